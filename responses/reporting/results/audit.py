"""Audit of results downloads: the workbook holds open answers, so it is logged
in the same ExportLog as raw exports (layout "results")."""

from __future__ import annotations

from dataclasses import asdict

from responses.models import Campaign, ExportLog

from .report import Options


def log_results_download(
    *, user, campaign: Campaign, options: Options, respondents: int
) -> ExportLog:
    """Record who downloaded the results workbook with which options."""
    return ExportLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        campaign=campaign,
        format="xlsx",
        layout="results",
        # An unset cross-tab question is left out, as older log rows have it.
        filters={k: v for k, v in asdict(options).items() if k != "by" or v},
        rows=respondents,
        source="view",
    )
