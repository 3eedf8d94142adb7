from django.core.management.base import BaseCommand, CommandError

from municipalities.population import import_population


class Command(BaseCommand):
    help = (
        "Import population figures from a CSV or XLSX with columns "
        "nis_code;year;population (inhabitants on 1 January). Any bad row aborts "
        "the whole import."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        result = import_population(source=options["path"], dry_run=options["dry_run"])
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} error(s); nothing was imported.")
        prefix = "Dry run, nothing saved: " if result.dry_run else ""
        self.stdout.write(
            f"{prefix}{result.rows} rows: {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged."
        )
