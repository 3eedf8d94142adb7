from django.core.management.base import BaseCommand

from municipalities.services import DATA_DIR, load_reference_data


class Command(BaseCommand):
    help = (
        "Load or update provinces, Belfius clusters and the 2024/2025 municipalities."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=str(DATA_DIR))

    def handle(self, *args, **options):
        result = load_reference_data(data_dir=options["data_dir"])
        self.stdout.write(f"Provinces: {result.provinces}")
        self.stdout.write(f"Clusters: {result.clusters}")
        self.stdout.write(f"Municipalities: {result.municipalities}")
        self.stdout.write(f"Facts at a date (per municipality): {result.facts}")
