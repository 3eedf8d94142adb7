from __future__ import annotations

from django.db import models


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "In voorbereiding"
    OPEN = "open", "Open"
    # Respondents see "tijdelijk onderbroken"; mail is held separately (mail_paused).
    PAUSED = "paused", "Opgeschort"
    CLOSED = "closed", "Afgesloten"


class Campaign(models.Model):
    """One wave of the enquiry (e.g. Ledenbevraging 2026) on one instrument."""

    instrument = models.ForeignKey(
        "surveys.Instrument",
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name="vragenlijst",
    )
    name = models.CharField("naam", max_length=200)
    slug = models.SlugField("korte naam (URL)", max_length=60, unique=True)
    status = models.CharField(
        "status",
        max_length=10,
        choices=CampaignStatus.choices,
        default=CampaignStatus.DRAFT,
    )
    # Mail only: no invitation or reminder leaves while set; respondents can still
    # answer. Suspending the questionnaire itself is status PAUSED.
    mail_paused = models.BooleanField("verzending gepauzeerd", default=False)
    opens_at = models.DateTimeField("opent op")
    closes_at = models.DateTimeField("sluit op")
    # Respondents may edit a submitted response until then (default: closes_at).
    edit_until = models.DateTimeField("aanpassen mogelijk tot", null=True, blank=True)
    sender_name = models.CharField("naam afzender", max_length=200, default="VVSG")
    sender_email = models.EmailField(
        "e-mailadres afzender", default="radicalisering@vvsg.be"
    )
    reply_to = models.EmailField("antwoordadres", blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_waves",
        verbose_name="vorige golf",
        help_text="Vorige golf, voor trendvergelijking.",
    )
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)
    # Test mode: staff answer a shadow campaign on the same instrument, so test
    # answers never reach the real campaign's coverage, results, exports or mail.
    test_of = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="test_campaign",
        verbose_name="testomgeving van",
    )

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = "bevraging"
        verbose_name_plural = "bevragingen"
        permissions = [
            ("export_responses", "Kan antwoorden exporteren"),
            ("view_results", "Kan resultaten bekijken"),
            ("send_mailings", "Kan uitnodigingen en herinneringen versturen"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="campaign_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_test(self) -> bool:
        return self.test_of_id is not None


class ReminderStream(models.TextChoices):
    NOT_STARTED = "not_started", "Nog niet gestart"
    PARTIAL = "partial", "Gedeeltelijk ingevuld"


class ReminderRule(models.Model):
    """When reminders go out for one stream; either fixed dates or an interval."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="reminder_rules",
        verbose_name="bevraging",
    )
    stream = models.CharField("stroom", max_length=20, choices=ReminderStream.choices)
    send_on = models.JSONField(
        "vaste data", default=list, blank=True, help_text="Vaste data (JJJJ-MM-DD)."
    )
    interval_days = models.PositiveSmallIntegerField(
        "interval (dagen)", null=True, blank=True
    )
    first_after_days = models.PositiveSmallIntegerField(
        "eerste na (dagen na uitnodiging)", default=7
    )
    max_count = models.PositiveSmallIntegerField("maximum aantal", default=3)
    min_days_between = models.PositiveSmallIntegerField(
        "minimum dagen ertussen", default=5
    )
    include_staff = models.BooleanField("ook medewerkers", default=True)
    staff_after_days = models.PositiveSmallIntegerField(
        "medewerkers vanaf (dagen na uitnodiging)",
        null=True,
        blank=True,
        help_text="Leeg: medewerkers krijgen dezelfde rondes als de burgemeester.",
    )
    final_days_before_close = models.PositiveSmallIntegerField(
        "laatste herinnering (dagen voor sluiting)",
        null=True,
        blank=True,
        help_text="Eén laatste herinnering aan iedereen die nog open staat.",
    )
    active = models.BooleanField("actief", default=True)

    class Meta:
        verbose_name = "herinneringsregel"
        verbose_name_plural = "herinneringsregels"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "stream"], name="reminderrule_unique_stream"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.get_stream_display()}"


class EmailTemplateKind(models.TextChoices):
    INVITATION = "invitation", "Uitnodiging"
    REMINDER_NOT_STARTED = "reminder_not_started", "Herinnering (niet gestart)"
    REMINDER_PARTIAL = "reminder_partial", "Herinnering (gedeeltelijk)"
    FORWARD = "forward", "Doorgestuurd naar collega"
    CONFIRMATION = "confirmation", "Bevestiging met kopie van de antwoorden"
    # Issue 17: the link to the local mirror is {{ link }}spiegel/.
    RESULTS = "results", "Uw resultaten (lokale spiegel)"


class EmailTemplate(models.Model):
    """Editable mail text.

    Placeholders use Django template syntax: {{ name }}, {{ link }}, {{ deadline }}...
    """

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="email_templates",
        verbose_name="bevraging",
    )
    kind = models.CharField("soort", max_length=30, choices=EmailTemplateKind.choices)
    subject = models.CharField("onderwerp", max_length=200)
    body_text = models.TextField("tekst")
    body_html = models.TextField("HTML-tekst", blank=True)

    class Meta:
        verbose_name = "e-mailsjabloon"
        verbose_name_plural = "e-mailsjablonen"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind"], name="emailtemplate_unique_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.get_kind_display()}"
