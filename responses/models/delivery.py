from __future__ import annotations

from django.db import models

from responses.models.campaign import ReminderStream


class DeliveryKind(models.TextChoices):
    INVITATION = "invitation", "Uitnodiging"
    REMINDER = "reminder", "Herinnering"
    FORWARD = "forward", "Doorgestuurd"
    CONFIRMATION = "confirmation", "Bevestiging"
    COVERAGE = "coverage", "Wie antwoordt voor een bestuur"
    TEST = "test", "Testmail"
    RESULTS = "results", "Uw resultaten"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "In wachtrij"
    SENDING = "sending", "Bezig"
    SENT = "sent", "Verzonden"
    FAILED = "failed", "Mislukt"
    SKIPPED = "skipped", "Overgeslagen"
    # The end of data went out but no 250 reply was recorded (worker died or the
    # connection dropped): the relay may or may not have the mail. Staff check the
    # relay's log and either confirm or resend; the sweep never resends it blindly.
    UNCERTAIN = "uncertain", "Onzeker"


class Delivery(models.Model):
    """One mail to one recipient in one round; claimed atomically before sending."""

    campaign = models.ForeignKey(
        "responses.Campaign",
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name="bevraging",
    )
    invitation = models.ForeignKey(
        "responses.Invitation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name="uitnodiging",
    )
    kind = models.CharField(
        max_length=20, choices=DeliveryKind.choices, verbose_name="soort"
    )
    stream = models.CharField(
        max_length=20, blank=True, verbose_name="stroom", choices=ReminderStream.choices
    )
    round = models.PositiveSmallIntegerField(default=0, verbose_name="ronde")
    email = models.EmailField(verbose_name="e-mailadres")
    status = models.CharField(
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        verbose_name="status",
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name="pogingen")
    last_error = models.TextField(blank=True, verbose_name="laatste fout")
    # Extra, non-secret placeholders for this mail (forward note, answer summary...).
    # The link is never stored: it is rebuilt from the invitation at send time.
    context = models.JSONField(default=dict, blank=True, verbose_name="extra gegevens")
    # Backoff after a temporary SMTP error: neither the task nor the sweep claims
    # the row earlier.
    not_before = models.DateTimeField(null=True, blank=True, verbose_name="niet vóór")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="aangemaakt op")
    # The service clock (`now=`) when the reminder was planned; spacing uses it.
    planned_at = models.DateTimeField(null=True, blank=True, verbose_name="gepland op")
    claimed_at = models.DateTimeField(
        null=True, blank=True, verbose_name="opgenomen op"
    )
    # Which chunk claim holds the row (worker host, pid, claim id): the marker and the
    # outcome of a send only apply while this claim still holds it, so a row a sweep
    # handed to another worker is never finished by the first one.
    claimed_by = models.CharField(
        max_length=80, blank=True, verbose_name="opgenomen door"
    )
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name="verzonden op")
    # Committed right before the final "." of DATA: a SENDING row without it provably
    # never reached the relay, one with it is uncertain (responses/mailing/smtp.py).
    end_of_data_at = models.DateTimeField(
        null=True, blank=True, verbose_name="einde data verzonden op"
    )
    # The relay's 250 reply to the end of data (usually its queue id), for tracing.
    smtp_reply = models.CharField(
        max_length=500, blank=True, verbose_name="antwoord van de mailserver"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "verzending"
        verbose_name_plural = "verzendingen"
        indexes = [
            models.Index(fields=["campaign", "status"], name="delivery_campaign_status")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "kind", "round"],
                condition=models.Q(invitation__isnull=False),
                name="delivery_once_per_round",
            ),
        ]

    def __str__(self) -> str:
        status = self.get_status_display()
        return f"{self.get_kind_display()} {self.round} → {self.email} ({status})"
