"""manage.py rebuild_export_rows [campaign-slug ...]: rebuild the stored export rows."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from responses.models import Campaign
from responses.reporting.export_store import refresh_export_rows


class Command(BaseCommand):
    help = (
        "Rebuild the stored CSV rows of the COPY export (PostgreSQL) of the given "
        "campaigns, or of all campaigns; run it after changing an instrument's "
        "labels so the next export does not rebuild them itself. --stale: only "
        "rows that are missing or out of date."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaigns", nargs="*", help="campaign slugs (default all)")
        parser.add_argument("--stale", action="store_true", help="only stale rows")

    def handle(self, *args, **options):
        campaigns = Campaign.objects.select_related("instrument").order_by("pk")
        if options["campaigns"]:
            campaigns = campaigns.filter(slug__in=options["campaigns"])
            missing = set(options["campaigns"]) - {c.slug for c in campaigns}
            if missing:
                raise CommandError(f"unknown campaign(s): {', '.join(sorted(missing))}")
        for campaign in campaigns:
            built = refresh_export_rows(campaign=campaign, rebuild=not options["stale"])
            self.stdout.write(f"{campaign.slug}: {built} rows built")
