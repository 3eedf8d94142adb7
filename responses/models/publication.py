from __future__ import annotations

from django.conf import settings
from django.db import models


class ResultsPublication(models.Model):
    """Whether a campaign's results are visible to the members (issue 17).

    One row per campaign. Published = published_at set and withdrawn_at empty; a
    withdrawal hides the mirror pages and the member results page at once, and a
    later publication shows them again without mailing anyone twice (the "your
    results" Delivery is unique per invitation, kind and round).
    """

    campaign = models.OneToOneField(
        "responses.Campaign",
        on_delete=models.CASCADE,
        related_name="publication",
        verbose_name="bevraging",
    )
    published_at = models.DateTimeField("gepubliceerd op", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="gepubliceerd door",
    )
    withdrawn_at = models.DateTimeField("ingetrokken op", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ingetrokken door",
    )

    class Meta:
        verbose_name = "publicatie van resultaten"
        verbose_name_plural = "publicaties van resultaten"

    def __str__(self) -> str:
        state = "gepubliceerd" if self.is_published else "niet gepubliceerd"
        return f"{self.campaign}: {state}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.withdrawn_at is None
