"""Write an instrument's codebook: `manage.py export_codebook <code> <version>`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.codebook import codebook_csv, codebook_json
from surveys.models import Instrument


class Command(BaseCommand):
    help = "Exporteer het codeboek van een vragenlijst als CSV of JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("version")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument(
            "--delimiter", default=",", help="scheidingsteken voor CSV (bv. ';')"
        )
        parser.add_argument("-o", "--output", help="bestand (standaard: stdout)")

    def handle(
        self,
        *args: Any,
        code: str,
        version: str,
        format: str,  # noqa: A002 - the --format option
        delimiter: str,
        output: str | None,
        **options: Any,
    ) -> None:
        try:
            instrument = Instrument.objects.get(code=code, version=version)
        except Instrument.DoesNotExist as exc:
            raise CommandError(f"Geen vragenlijst {code} versie {version}.") from exc
        if format == "csv":
            text = codebook_csv(instrument, delimiter=delimiter)
        else:
            text = codebook_json(instrument)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"{output} geschreven")
        else:
            self.stdout.write(text, ending="")
