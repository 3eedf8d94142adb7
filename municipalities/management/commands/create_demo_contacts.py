from django.core.management.base import BaseCommand

from municipalities.services import create_demo_contacts


class Command(BaseCommand):
    help = "Create fake contacts (@demo.vvsg.invalid) for every current municipality."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options):
        created = create_demo_contacts(seed=options["seed"])
        self.stdout.write(f"Demo contacts created: {created}")
