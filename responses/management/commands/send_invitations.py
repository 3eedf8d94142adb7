"""Create missing invitations of a campaign and queue their first mail."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from responses.mailing.campaigns import create_invitations, send_invitations
from responses.models import Campaign


class Command(BaseCommand):
    help = "Invite every current municipality's mayor (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="Campaign slug.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Create invitations, send nothing."
        )

    def handle(self, *args, campaign, dry_run=False, **options):
        target = Campaign.objects.filter(slug=campaign).first()
        if target is None:
            raise CommandError(f"no campaign with slug {campaign!r}")
        if dry_run:
            created = create_invitations(campaign=target)
            self.stdout.write(f"{created} invitations created; nothing queued")
            return
        queued = send_invitations(campaign=target)
        self.stdout.write(f"{queued} invitation mails queued")
