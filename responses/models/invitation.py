from __future__ import annotations

from django.db import models


class InvitationKind(models.TextChoices):
    MAYOR = "mayor", "Burgemeester"
    STAFF = "staff", "Medewerker"
    FORWARD = "forward", "Doorgestuurd"
    COORDINATOR = "coordinator", "Intergemeentelijk coördinator"


class Invitation(models.Model):
    """A personal link to one response.

    Only a SHA-256 hash of the token is stored; the raw token exists in the mail only.
    Several invitations (mayor, staff, forwarded colleague) can point at one response.
    """

    campaign = models.ForeignKey(
        "responses.Campaign",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name="bevraging",
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name="gemeente",
    )
    contact = models.ForeignKey(
        "municipalities.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name="contactpersoon",
    )
    response = models.ForeignKey(
        "responses.Response",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name="respons",
    )
    forwarded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="forwards",
        verbose_name="doorgestuurd door",
    )
    kind = models.CharField(
        max_length=20,
        choices=InvitationKind.choices,
        default=InvitationKind.MAYOR,
        verbose_name="soort",
    )
    name = models.CharField(max_length=200, verbose_name="naam")
    email = models.EmailField(verbose_name="e-mailadres")
    function = models.CharField(max_length=120, blank=True, verbose_name="functie")
    token_hash = models.CharField(
        max_length=64, unique=True, verbose_name="token (hash)"
    )
    # Random per-invitation secret; the link token is HMAC(INVITATION_TOKEN_KEY, nonce),
    # so every mail can rebuild the same link without storing it (docs/security.md).
    token_nonce = models.CharField(
        max_length=64, blank=True, default="", verbose_name="token-nonce"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="aangemaakt op")
    revoked_at = models.DateTimeField(
        null=True, blank=True, verbose_name="ingetrokken op"
    )
    first_opened_at = models.DateTimeField(
        null=True, blank=True, verbose_name="eerst geopend op"
    )
    # The start of the latest visit, not the latest page view: record_open writes
    # at most once per VISIT_GAP (docs/respondent.md, "Opened").
    last_opened_at = models.DateTimeField(
        null=True, blank=True, verbose_name="laatst geopend op"
    )
    # Set by the List-Unsubscribe link (RFC 8058): no more reminders for this
    # campaign. The personal link itself keeps working.
    unsubscribed_at = models.DateTimeField(
        "afgemeld voor herinneringen", null=True, blank=True
    )

    class Meta:
        ordering = ["campaign", "municipality__name", "created_at"]
        verbose_name = "uitnodiging"
        verbose_name_plural = "uitnodigingen"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "email", "municipality"],
                condition=models.Q(revoked_at__isnull=True),
                name="invitation_unique_active_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}> — {self.municipality.name}"
