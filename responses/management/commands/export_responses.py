"""manage.py export_responses <campaign-slug> -o file: the download, as a command."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from responses.models import Campaign
from responses.reporting.export_queries import ExportFilters, parse_filter_values
from responses.reporting.exports import FORMATS, LAYOUTS, export_to_file


class Command(BaseCommand):
    help = (
        "Export a campaign's responses as CSV, XLSX (with a codebook sheet), SPSS "
        "(.sav), Stata (.dta) or R (.zip: CSV + labels script); columns follow "
        "the codebook."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="campaign slug")
        parser.add_argument("--format", choices=FORMATS, default=None)
        parser.add_argument("--layout", choices=LAYOUTS, default="response")
        parser.add_argument("--labels", action="store_true", help="option labels")
        parser.add_argument(
            "--pseudonymise",
            action="store_true",
            help="keyed pseudonym instead of response_id; no open text",
        )
        parser.add_argument(
            "--delimiter", default=";", help="CSV delimiter (';' or ',')"
        )
        for name in ("status", "province", "cluster", "cluster-type"):
            parser.add_argument(f"--{name}", action="append", default=[])
        parser.add_argument("-o", "--output", help="output file ('-' = stdout, CSV)")

    def handle(self, *args, **options):
        try:
            campaign = Campaign.objects.select_related("instrument").get(
                slug=options["campaign"]
            )
        except Campaign.DoesNotExist as exc:
            raise CommandError(f"unknown campaign {options['campaign']!r}") from exc
        output = options["output"] or "-"
        by_suffix = {".xlsx": "xlsx", ".sav": "sav", ".dta": "dta", ".zip": "r"}
        suffix = output[output.rfind(".") :].lower() if "." in output else ""
        fmt = options["format"] or by_suffix.get(suffix, "csv")
        if fmt != "csv" and output == "-":
            raise CommandError(f"{fmt} needs an output file (-o file)")
        if options["delimiter"] not in (";", ",", "\t"):
            raise CommandError("delimiter must be ';', ',' or a tab")
        filters = ExportFilters(
            statuses=parse_filter_values(options["status"]),
            provinces=parse_filter_values(options["province"]),
            clusters=parse_filter_values(options["cluster"]),
            cluster_types=parse_filter_values(options["cluster_type"]),
        )
        log = export_to_file(
            campaign=campaign,
            out=sys.stdout.buffer if output == "-" else output,
            fmt=fmt,
            layout=options["layout"],
            labels=options["labels"],
            delimiter=options["delimiter"],
            filters=filters,
            source="command",
            pseudonymise=options["pseudonymise"],
        )
        if output != "-":
            self.stdout.write(f"{log.rows} rows written to {output}")
