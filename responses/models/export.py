from __future__ import annotations

from django.conf import settings
from django.db import models


class ExportLog(models.Model):
    """Audit trail: every export of response data, by whom and with which filters."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name="gebruiker",
    )
    campaign = models.ForeignKey(
        "responses.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name="bevraging",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="aangemaakt op")
    format = models.CharField(max_length=10, verbose_name="formaat")
    layout = models.CharField(max_length=20, blank=True, verbose_name="opmaak")
    filters = models.JSONField(default=dict, blank=True, verbose_name="filters")
    rows = models.PositiveIntegerField(default=0, verbose_name="rijen")
    source = models.CharField(
        max_length=20, default="admin", verbose_name="bron"
    )  # admin | command | view

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "exportlog"
        verbose_name_plural = "exportlogs"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.format} ({self.rows} rijen)"


class ResponseExportRow(models.Model):
    """One response's answer cells, kept ready for the COPY export (PostgreSQL).

    `csv` holds the answer part of the CSV line, already neutralised, hidden answers
    left out, quoted as Python's csv module quotes it: {"codes"|"labels":
    {delimiter: text}}; `bestuur_csv` the same per bestuur whose answers differ
    ({municipality id: {...}}). A row is stale when the response's revision, the
    instrument spec or the per-bestuur answers differ from what it was built from
    (responses.reporting.export_store).
    """

    response = models.OneToOneField(
        "responses.Response",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="export_row",
        verbose_name="respons",
    )
    revision = models.PositiveIntegerField(verbose_name="revisie")
    spec_hash = models.CharField(max_length=64, verbose_name="vragenlijstversie")
    bestuur_hash = models.CharField(
        max_length=64, blank=True, verbose_name="antwoorden per bestuur"
    )
    completion = models.PositiveSmallIntegerField(verbose_name="ingevuld (%)")
    csv = models.JSONField(verbose_name="CSV-cellen")
    bestuur_csv = models.JSONField(
        default=dict, blank=True, verbose_name="CSV-cellen per bestuur"
    )
    built_at = models.DateTimeField(verbose_name="opgebouwd op")

    class Meta:
        verbose_name = "exportrij"
        verbose_name_plural = "exportrijen"

    def __str__(self) -> str:
        return f"exportrij {self.response_id} r{self.revision}"
