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


class MirrorCopy(models.Model):
    """The PDF of one bestuur's local mirror for one publication, rendered by a worker.

    Keyed on the publication's moment: publishing again (after a withdrawal) makes
    a new copy, so the PDF never shows older numbers than the page.
    """

    campaign = models.ForeignKey(
        "responses.Campaign",
        on_delete=models.CASCADE,
        related_name="mirror_copies",
        verbose_name="bevraging",
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="bestuur",
    )
    published_at = models.DateTimeField(verbose_name="publicatie van")
    pdf = models.BinaryField(verbose_name="PDF")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="gemaakt op")

    class Meta:
        verbose_name = "PDF van een lokale spiegel"
        verbose_name_plural = "PDF's van lokale spiegels"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "municipality", "published_at"],
                name="mirror_copy_per_publication",
            )
        ]

    def __str__(self) -> str:
        return f"spiegel {self.municipality_id} ({self.campaign_id})"
