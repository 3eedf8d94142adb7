from __future__ import annotations

from django.db import models


class AnswerCopy(models.Model):
    """The PDF copy of a response at one revision, rendered by a worker.

    Rendering takes longer than a web request may spend, so the download page
    serves the stored copy of the current revision or asks a worker for one.
    """

    response = models.ForeignKey(
        "responses.Response",
        on_delete=models.CASCADE,
        related_name="copies",
        verbose_name="respons",
    )
    revision = models.PositiveIntegerField(verbose_name="revisie")
    pdf = models.BinaryField(verbose_name="PDF")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="gemaakt op")

    class Meta:
        verbose_name = "kopie van de antwoorden"
        verbose_name_plural = "kopieën van de antwoorden"
        constraints = [
            models.UniqueConstraint(
                fields=["response", "revision"], name="answer_copy_per_revision"
            )
        ]

    def __str__(self) -> str:
        return f"Kopie {self.response_id} r{self.revision}"
