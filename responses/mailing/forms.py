"""Staff forms for mailings: validate input only, the services send."""

from __future__ import annotations

from django import forms
from django.template import TemplateSyntaxError

from municipalities.models import ClusterType, ContactRole, Municipality, Province
from responses.mailing.audience import Audience, Progress, Selection
from responses.mailing.participants import SORTS, ParticipantStatus
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
        super().clean()
        cleaned = self.cleaned_data
        for field in ("subject", "body_text", "body_html"):
            try:
                render_string(cleaned.get(field) or "", {}, autoescape=True)
            except TemplateSyntaxError as exc:
                self.add_error(field, f"Ongeldig sjabloon: {exc}")
        return cleaned


# --- Reminders to a chosen audience (console, issue 15) ------------------------------


class ReminderSelectionForm(forms.Form):
    """Who gets a reminder; the same fields travel hidden to the confirmation."""

    audiences = forms.MultipleChoiceField(
        label="Doelgroep",
        choices=Audience.choices,
        initial=[Audience.MAYORS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Kies minstens één doelgroep."},
    )
    staff_roles = forms.MultipleChoiceField(
        label="Rollen van medewerkers",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Niets aangevinkt: alle rollen behalve burgemeester.",
    )
    progress = forms.ChoiceField(
        label="Gemeenten", choices=Progress.choices, initial=Progress.OPEN
    )
    provinces = forms.ModelMultipleChoiceField(
        label="Provincie",
        queryset=Province.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cluster_types = forms.MultipleChoiceField(
        label="Clustertype",
        choices=ClusterType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    municipalities = forms.ModelMultipleChoiceField(
        label="Enkel deze gemeenten",
        queryset=Municipality.objects.filter(valid_to__isnull=True).order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Leeg: alle gemeenten die aan de filters voldoen.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles = self.fields["staff_roles"]
        assert isinstance(roles, forms.MultipleChoiceField)
        roles.choices = [
            (value, label)
            for value, label in ContactRole.choices
            if value != ContactRole.MAYOR
        ]

    def selection(self) -> Selection:
        data = self.cleaned_data
        return Selection(
            audiences=tuple(data["audiences"]),
            progress=data["progress"],
            province_ids=tuple(p.pk for p in data["provinces"]),
            cluster_types=tuple(data["cluster_types"]),
            municipality_ids=tuple(m.pk for m in data["municipalities"]),
            staff_roles=tuple(data["staff_roles"]),
        )


class ReminderConfirmForm(ReminderSelectionForm):
    # The count staff saw; if the plan changed meanwhile, the preview is shown again.
    expected_total = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


# --- Participant table (console, issue 15) -------------------------------------------


class ParticipantFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Alle"), *ParticipantStatus.choices],
    )
    provincie = forms.ModelChoiceField(
        label="Provincie",
        queryset=Province.objects.order_by("name"),
        required=False,
        empty_label="Alle",
    )
    clustertype = forms.ChoiceField(
        label="Clustertype",
        required=False,
        choices=[("", "Alle"), *ClusterType.choices],
    )
    q = forms.CharField(
        label="Gemeente",
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    sorteer = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in SORTS],
        widget=forms.HiddenInput,
    )
    omgekeerd = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("status", "provincie", "clustertype"):
            self.fields[name].widget.attrs["class"] = "form-select"


class AddContactForm(forms.Form):
    name = forms.CharField(label="Naam", max_length=200)
    email = forms.EmailField(label="E-mailadres")
    role = forms.ChoiceField(label="Rol", choices=ContactRole.choices)
    function = forms.CharField(label="Functie", max_length=120, required=False)
    invite = forms.BooleanField(
        label="Meteen uitnodigen voor deze bevraging", required=False, initial=True
    )


class TestLinkForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label="Testen als gemeente",
        queryset=Municipality.objects.filter(valid_to__isnull=True).order_by("name"),
        empty_label="Kies een gemeente",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
