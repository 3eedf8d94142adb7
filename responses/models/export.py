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
