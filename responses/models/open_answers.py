from __future__ import annotations

from django.conf import settings
from django.db import models


class AnswerCode(models.Model):
    """One code of a question's code list for open answers (issue 17 workbench)."""

    campaign = models.ForeignKey(
        "responses.Campaign",
        on_delete=models.CASCADE,
        related_name="answer_codes",
        verbose_name="bevraging",
    )
    question_code = models.CharField("vraag", max_length=60)
    label = models.CharField("code", max_length=120)

    class Meta:
        ordering = ["question_code", "label"]
        verbose_name = "code voor open antwoorden"
        verbose_name_plural = "codes voor open antwoorden"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "question_code", "label"],
                name="answercode_unique_label",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_code}: {self.label}"


class OpenAnswerReview(models.Model):
    """Staff's reading of one open or "other, specify" answer.

    `text` is the answer as reviewed: when the respondent changes the answer
    afterwards the review no longer applies (not quotable, codes not counted)
    until someone reviews it again.
    """

    answer = models.OneToOneField(
        "responses.Answer",
        on_delete=models.CASCADE,
        related_name="review",
        verbose_name="antwoord",
    )
    text = models.TextField("beoordeelde tekst")
    quotable = models.BooleanField("citeerbaar", default=False)
    personal_data = models.BooleanField("bevat persoonsgegevens", default=False)
    to_code = models.BooleanField("nog te coderen", default=False)
    codes = models.ManyToManyField(
        AnswerCode, blank=True, related_name="reviews", verbose_name="codes"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="beoordeeld door",
    )
    reviewed_at = models.DateTimeField("beoordeeld op", null=True, blank=True)

    class Meta:
        verbose_name = "beoordeling open antwoord"
        verbose_name_plural = "beoordelingen open antwoorden"
        constraints = [
            # A quote with personal data never reaches a member-facing page.
            models.CheckConstraint(
                condition=~models.Q(quotable=True, personal_data=True),
                name="openanswer_no_personal_quote",
            ),
        ]

    def __str__(self) -> str:
        return f"beoordeling {self.answer_id}"
