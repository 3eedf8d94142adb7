from __future__ import annotations

from django.conf import settings
from django.db import models


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONTACTED = "contacted", "Gecontacteerd"
    DONE = "done", "Afgehandeld"


class FollowUpItem(models.Model):
    """A bestuur VVSG promised to get back to (issue 17, follow-up list).

    Which answers create an item is data in the instrument file (question setting
    `follow_up`); responses.reporting.follow_up derives the rows from the answers.
    """

    campaign = models.ForeignKey(
        "responses.Campaign",
        on_delete=models.CASCADE,
        related_name="follow_up_items",
        verbose_name="bevraging",
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="follow_up_items",
        verbose_name="gemeente",
    )
    question_code = models.CharField("vraag", max_length=60)
    section = models.CharField("thema", max_length=60, blank=True)
    reason = models.CharField("reden", max_length=200)
    detail = models.TextField("antwoord", blank=True)
    status = models.CharField(
        "status",
        max_length=10,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.OPEN,
    )
    note = models.TextField("notitie", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="bijgewerkt door",
    )
    updated_at = models.DateTimeField("bijgewerkt op", null=True, blank=True)
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)

    class Meta:
        ordering = ["municipality__name", "question_code"]
        verbose_name = "opvolgpunt"
        verbose_name_plural = "opvolglijst"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "municipality", "question_code", "reason"],
                name="followup_once_per_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.reason}"
