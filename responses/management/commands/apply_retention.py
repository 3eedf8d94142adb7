"""Apply the GDPR retention policy (thin wrapper around services.retention)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from responses.reporting.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Verwijder open antwoorden en contactgegevens van bevragingen die langer dan "
        "RETENTION_DAYS afgesloten zijn."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Bewaartermijn in dagen (standaard settings.RETENTION_DAYS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Alleen tellen, niets wijzigen."
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        result = apply_retention(days=days, dry_run=dry_run)
        verb = "would clear" if dry_run else "cleared"
        self.stdout.write(f"campaigns past retention: {result.campaigns}")
        for name, count in result.as_dict().items():
            if name in ("campaigns", "dry_run"):
                continue
            self.stdout.write(f"{name} {verb}: {count}")
