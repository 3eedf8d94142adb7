from __future__ import annotations

from django.db import models


class BestuurAnswer(models.Model):
    """A coordinator's answer to one question that differs for one of its besturen.

    The response's own Answer holds what is true for all its besturen; this row
    replaces it for one bestuur in per-bestuur counting, exports and results.
    """

    response = models.ForeignKey(
        "responses.Response",
        on_delete=models.CASCADE,
        related_name="bestuur_answers",
        verbose_name="respons",
    )
    question = models.ForeignKey(
        "surveys.Question",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="vraag",
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="gemeente",
    )
    value = models.JSONField(null=True, blank=True, verbose_name="waarde")
    other_text = models.TextField(blank=True, verbose_name="tekst bij 'andere'")
    answered_by = models.ForeignKey(
        "responses.Invitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="beantwoord door",
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name="bijgewerkt op")

    class Meta:
        verbose_name = "afwijkend antwoord per bestuur"
        verbose_name_plural = "afwijkende antwoorden per bestuur"
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "municipality"],
                name="bestuur_answer_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} voor {self.municipality_id} = {self.value!r}"
