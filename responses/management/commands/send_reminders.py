"""Queue due reminders now: the same service the beat tick runs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from responses.mailing.reminders import send_due_reminders
from responses.models import Campaign


class Command(BaseCommand):
    help = "Queue due reminders for open campaigns (same as the beat tick)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", help="Only this campaign (slug).")
        parser.add_argument(
            "--dry-run", action="store_true", help="List who is due; write nothing."
        )

    def handle(self, *args, campaign=None, dry_run=False, **options):
        target = None
        if campaign:
            target = Campaign.objects.filter(slug=campaign).first()
            if target is None:
                raise CommandError(f"no campaign with slug {campaign!r}")
        result = send_due_reminders(campaign=target, dry_run=dry_run)
        for slug, municipality, stream in result["due"]:
            self.stdout.write(f"{slug}\t{municipality}\t{stream}")
        verb = "due" if dry_run else "queued"
        self.stdout.write(
            f"{result['municipalities']} municipalities {verb}, "
            f"{result['queued']} mails queued, recovered {result.get('recovered', {})}"
        )
