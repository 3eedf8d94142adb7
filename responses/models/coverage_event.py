from __future__ import annotations

from django.conf import settings
from django.db import models


class CoverageEventKind(models.TextChoices):
    OWN = "own", "Eigen bestuur gestart"
    AUTHORISED = "authorised", "Opgenomen door gemachtigde coördinator"
    CLAIM = "claim", "Aanvraag om te antwoorden"
    ACCEPT = "accept", "Aanvraag bevestigd"
    REFUSE = "refuse", "Aanvraag geweigerd"
    RELEASE = "release", "Bestuur vrijgegeven door respondent"
    TAKE_BACK = "take_back", "Bestuur teruggenomen door burgemeester"
    JOIN = "join", "Collega sloot aan bij bestaande respons"
    FORWARD = "forward", "Doorgestuurd naar collega"
    CHOOSE = "choose", "Keuze bij dubbele dekking"


class CoverageEvent(models.Model):
    """Append-only audit: who changed which bestuur's coverage, when, from where."""

    campaign = models.ForeignKey(
        "responses.Campaign",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="bevraging",
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="gemeente",
    )
    kind = models.CharField(
        max_length=12, choices=CoverageEventKind.choices, verbose_name="soort"
    )
    response = models.ForeignKey(
        "responses.Response",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="respons",
    )
    # The link it happened through (respondent actions) or the staff member.
    invitation = models.ForeignKey(
        "responses.Invitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="uitnodiging",
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="medewerker VVSG",
    )
    actor = models.CharField(max_length=250, blank=True, verbose_name="door")
    note = models.CharField(max_length=500, blank=True, verbose_name="toelichting")
    created_at = models.DateTimeField(verbose_name="tijdstip")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "dekkingsgebeurtenis"
        verbose_name_plural = "dekkingsgebeurtenissen"
        indexes = [
            models.Index(
                fields=["campaign", "municipality"], name="coverage_event_muni"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.municipality_id}"
