"""Staff forms for mailings: validate input only, the services send."""

from __future__ import annotations

from django import forms
from django.template import TemplateSyntaxError

from responses.mailing.rendering import render_string
from responses.models import DeliveryStatus, EmailTemplate, EmailTemplateKind

MAILING_KINDS = [
    (EmailTemplateKind.INVITATION, "Uitnodiging"),
    (EmailTemplateKind.REMINDER_NOT_STARTED, "Herinnering (niet gestart)"),
    (EmailTemplateKind.REMINDER_PARTIAL, "Herinnering (gedeeltelijk)"),
]


class TestMailForm(forms.Form):
    email = forms.EmailField(label="Naar")
    kind = forms.ChoiceField(label="Sjabloon", choices=MAILING_KINDS)


class DeliveryFilterForm(forms.Form):
    # The filter bar shows no <label>s; aria-label names the controls (WCAG 4.1.2).
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Alle"), *DeliveryStatus.choices],
        widget=forms.Select(attrs={"aria-label": "Status"}),
    )
    q = forms.CharField(
        label="E-mailadres",
        required=False,
        widget=forms.TextInput(
            attrs={"aria-label": "E-mailadres", "placeholder": "E-mailadres"}
        ),
    )


class EmailTemplateForm(forms.ModelForm):
    """Admin form: a template that does not compile in the sandbox is refused."""

    class Meta:
        model = EmailTemplate
        fields = ["campaign", "kind", "subject", "body_text", "body_html"]

    def clean(self):
        cleaned = super().clean()
        for field in ("subject", "body_text", "body_html"):
            try:
                render_string(cleaned.get(field) or "", {}, autoescape=True)
            except TemplateSyntaxError as exc:
                self.add_error(field, f"Ongeldig sjabloon: {exc}")
        return cleaned
