from __future__ import annotations

from django.db import models


class ResponseStatus(models.TextChoices):
    STARTED = "started", "Gestart"
    PARTIAL = "partial", "Gedeeltelijk ingevuld"
    SUBMITTED = "submitted", "Ingediend"


class Response(models.Model):
    """One filled-in questionnaire; it can represent several besturen (coordinator)."""

    campaign = models.ForeignKey(
        "responses.Campaign",
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name="bevraging",
    )
    status = models.CharField(
        max_length=10,
        choices=ResponseStatus.choices,
        default=ResponseStatus.STARTED,
        verbose_name="status",
    )
    respondent_name = models.CharField(
        max_length=200, blank=True, verbose_name="naam respondent"
    )
    respondent_email = models.EmailField(
        blank=True, verbose_name="e-mailadres respondent"
    )
    respondent_function = models.CharField(
        max_length=120, blank=True, verbose_name="functie respondent"
    )
    is_coordinator = models.BooleanField(
        default=False, verbose_name="intergemeentelijk coördinator"
    )
    current_section = models.CharField(
        max_length=60, blank=True, verbose_name="huidige sectie"
    )
    started_at = models.DateTimeField(auto_now_add=True, verbose_name="gestart op")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="bijgewerkt op")
    submitted_at = models.DateTimeField(
        null=True, blank=True, verbose_name="ingediend op"
    )
    # Bumped by every answer save; lets clients detect a concurrent editor.
    revision = models.PositiveIntegerField(default=0, verbose_name="revisie")
    imported = models.BooleanField(
        default=False, verbose_name="geïmporteerd"
    )  # loaded from an earlier wave's export

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "respons"
        verbose_name_plural = "responsen"
        indexes = [
            models.Index(fields=["campaign", "status"], name="response_campaign_status")
        ]

    def __str__(self) -> str:
        return f"Respons {self.pk} ({self.get_status_display()})"


class ClaimStatus(models.TextChoices):
    """On what ground a response speaks for a bestuur (docs/coverage.md)."""

    OWN = "own", "Eigen bestuur"
    AUTHORISED = "authorised", "Gemachtigd (coördinator)"
    PENDING = "pending", "Aangevraagd, wacht op bevestiging"
    ACCEPTED = "accepted", "Aanvraag bevestigd"


# A claim that lets the response's answers count for the bestuur.
COVERING_CLAIMS = (ClaimStatus.OWN, ClaimStatus.AUTHORISED, ClaimStatus.ACCEPTED)


class ResponseMunicipality(models.Model):
    """A bestuur a response speaks for, and on what ground (its claim).

    A bestuur has at most one own response and at most one other response speaking
    for it (a coordinator or a claimant) per campaign; both are database constraints.
    A refused or released claim is deleted; the CoverageEvent rows keep its history.
    """

    response = models.ForeignKey(
        Response,
        on_delete=models.CASCADE,
        related_name="represented",
        verbose_name="respons",
    )
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
    status = models.CharField(
        max_length=12,
        choices=ClaimStatus.choices,
        default=ClaimStatus.OWN,
        verbose_name="grond",
    )
    claimed_by = models.ForeignKey(
        "responses.Invitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="aangevraagd door",
    )
    added_at = models.DateTimeField(auto_now_add=True, verbose_name="toegevoegd op")
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name="beslist op")

    class Meta:
        ordering = ["municipality__name"]
        verbose_name = "vertegenwoordigd bestuur"
        verbose_name_plural = "vertegenwoordigde besturen"
        constraints = [
            models.UniqueConstraint(
                fields=["response", "municipality"],
                name="response_speaks_once_per_municipality",
            ),
            models.UniqueConstraint(
                fields=["campaign", "municipality"],
                condition=models.Q(status="own"),
                name="one_own_response_per_municipality",
            ),
            models.UniqueConstraint(
                fields=["campaign", "municipality"],
                condition=~models.Q(status="own"),
                name="one_claimant_per_municipality",
            ),
        ]

    def __str__(self) -> str:
        return str(self.municipality)


class Answer(models.Model):
    """The current answer to one question.

    value: single -> "code"; multiple -> ["code", ...]; matrix -> {"row": "scale_code"};
    text -> "..."; number -> int/float; municipalities -> ["nis", ...].
    """

    response = models.ForeignKey(
        Response,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name="respons",
    )
    question = models.ForeignKey(
        "surveys.Question",
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name="vraag",
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
    revision = models.PositiveIntegerField(default=1, verbose_name="revisie")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="bijgewerkt op")

    class Meta:
        verbose_name = "antwoord"
        verbose_name_plural = "antwoorden"
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="answer_unique_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.code} = {self.value!r}"


class AnswerRevision(models.Model):
    """Append-only history: who saved which value when."""

    answer = models.ForeignKey(
        Answer,
        on_delete=models.CASCADE,
        related_name="history",
        verbose_name="antwoord",
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
    revision = models.PositiveIntegerField(verbose_name="revisie")
    saved_at = models.DateTimeField(auto_now_add=True, verbose_name="bewaard op")

    class Meta:
        ordering = ["answer", "revision"]
        verbose_name = "antwoordversie"
        verbose_name_plural = "antwoordversies"

    def __str__(self) -> str:
        return f"{self.answer_id} r{self.revision}"
