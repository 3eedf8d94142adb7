"""Load (or reload) an instrument file: `manage.py load_instrument <path>`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.services import InstrumentError, load_instrument


class Command(BaseCommand):
    help = "Valideer een vragenlijst (YAML) en laad ze in de databank."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", help="pad naar surveys/instruments/<code>-<versie>.yaml"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="vervang een bestaande, niet-vergrendelde versie met andere inhoud",
        )

    def handle(self, *args: Any, path: str, replace: bool, **options: Any) -> None:
        try:
            instrument = load_instrument(path=path, replace=replace)
        except InstrumentError as exc:
            raise CommandError(str(exc)) from exc
        count = instrument.questions.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"{instrument.code} {instrument.version}: {count} vragen "
                f"(sha256 {instrument.source_sha256[:12]})"
            )
        )
