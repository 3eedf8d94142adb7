from django.core.management.base import BaseCommand, CommandError

from municipalities.resources import ContactResource, import_file


class Command(BaseCommand):
    help = (
        "Import contacts from a CSV or XLSX file (columns nis_code, role, function, "
        "organisation, besturen (coordinators: NIS codes separated by ;), "
        "name, email, active). Any bad row aborts the whole import."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        try:
            result, errors = import_file(
                ContactResource(), options["path"], dry_run=options["dry_run"]
            )
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {options['path']}: {exc}") from exc
        if errors:
            for error in errors:
                field = error.field or "-"
                self.stderr.write(f"row {error.row}, {field}: {error.message}")
            raise CommandError(
                f"{len(errors)} error(s) in {len({e.row for e in errors})} row(s); "
                "nothing was imported."
            )
        totals = result.totals
        prefix = "Dry run, nothing saved: " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{totals['new']} new, {totals['update']} updated, "
            f"{totals['skip']} unchanged."
        )
