from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from responses.demo import DEMO_PASSWORD, DEMO_USERNAME, load_demo


class Command(BaseCommand):
    help = (
        "Load reference data, the instruments, fake contacts and demo campaigns "
        "(idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--links", default=str(Path(settings.BASE_DIR) / "var" / "demo-links.txt")
        )

    def handle(self, *args, links, **options):
        summary = load_demo(links_path=Path(links))
        self.stdout.write(
            f"Demo loaded: {summary.campaign_2024} "
            f"({summary.responses_2024} responses), "
            f"{summary.campaign_2026} ({summary.responses_2026} responses, "
            f"{summary.invitations} invitations).\n"
            f"Staff login: {DEMO_USERNAME} / {DEMO_PASSWORD}\n"
            f"Respondent links: {links}"
        )
        for name, url in summary.links[:3]:
            self.stdout.write(f"  {name}: {url}")
