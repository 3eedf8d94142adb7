"""manage.py import_responses <campaign-slug> <file>: load an earlier wave's export."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from responses.models import Campaign
from responses.reporting.imports import import_responses


class Command(BaseCommand):
    help = (
        "Import responses from an export file (CSV or XLSX) into a campaign. The file "
        "is validated completely first; with any error nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="campaign slug")
        parser.add_argument("file", help="export file (.csv or .xlsx)")
        parser.add_argument("--dry-run", action="store_true", help="validate only")

    def handle(self, *args, **options):
        try:
            campaign = Campaign.objects.select_related("instrument").get(
                slug=options["campaign"]
            )
        except Campaign.DoesNotExist as exc:
            raise CommandError(f"unknown campaign {options['campaign']!r}") from exc
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        result = import_responses(
            campaign=campaign, source=path, dry_run=options["dry_run"]
        )
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors:
            raise CommandError(f"{len(result.errors)} errors; nothing was imported")
        verb = "would create" if result.dry_run else "created"
        self.stdout.write(
            f"{verb} {result.responses} responses with {result.answers} answers"
        )
