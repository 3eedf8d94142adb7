"""Respondent forms: the besturen page, forwarding, and the dynamic section form.

Field names of the section form: `q-<code>` (the answer), `q-<code>-other`
("other, specify" text), `q-<code>-rev` (the revision the respondent saw) and
`q-<code>-r-<row>` (one radio group per matrix row). Forms only check shapes;
branching and storing are the services' job.
"""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from responses.answering.answers import Submitted
from surveys.branching import DEFAULT_MAX_LENGTH, QuestionSpec

OTHER_MAX_LENGTH = 500
INVALID_CHOICE = _(
    "Kies een van de voorgestelde antwoorden (‘%(value)s’ bestaat niet)."
)


class RespondentForm(forms.Form):
    """Who answers, and for which besturen."""

    respondent_name = forms.CharField(label=_("Uw naam"), max_length=200)
    respondent_email = forms.EmailField(
        label=_("Uw e-mailadres"),
        help_text=_("U ontvangt hier een kopie van uw antwoorden na het indienen."),
        error_messages={
            "invalid": _("Vul een geldig e-mailadres in, bv. naam@gemeente.be.")
        },
    )
    # No function field: the questionnaire's first question asks it (with options
    # that compare across waves); asking twice was a walk-through defect.
    is_coordinator = forms.BooleanField(
        label=_(
            "Ik vul deze vragenlijst in als intergemeentelijk coördinator, "
            "voor meerdere besturen"
        ),
        required=False,
    )
    municipalities = forms.MultipleChoiceField(
        label=_("Bijkomende besturen"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("‘%(value)s’ is geen bestaande gemeente.")},
    )

    def __init__(self, *args, municipality_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipalities"].choices = list(municipality_choices)
        for name in ("respondent_name", "respondent_email"):
            self.fields[name].error_messages["required"] = _("Dit veld is verplicht.")
        self.fields["respondent_email"].widget.attrs["autocomplete"] = "email"
        self.fields["respondent_name"].widget.attrs["autocomplete"] = "name"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("respondent_name"),
            Field("respondent_email"),
        )


class ForwardForm(forms.Form):
    name = forms.CharField(label=_("Naam van uw collega"), max_length=200)
    email = forms.EmailField(
        label=_("E-mailadres van uw collega"),
        error_messages={
            "invalid": _("Vul een geldig e-mailadres in, bv. naam@gemeente.be.")
        },
    )
    function = forms.CharField(label=_("Functie"), max_length=120, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = _("Dit veld is verplicht.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


def field_name(code: str, part: str = "") -> str:
    return f"q-{code}-{part}" if part else f"q-{code}"


class SectionForm(forms.Form):
    """The questions of one section (or one question, for an autosave)."""

    def __init__(
        self,
        *args,
        questions: tuple[QuestionSpec, ...],
        known_codes: frozenset[str] | None = None,
        revisions: dict[str, int] | None = None,
        values: dict[str, Any] | None = None,
        others: dict[str, str] | None = None,
        municipality_choices=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.known_codes = known_codes or frozenset(q.code for q in questions)
        self.question_errors: dict[str, list[str]] = {}
        values, others, revisions = values or {}, others or {}, revisions or {}
        for question in questions:
            self._add_fields(question, municipality_choices)
            self._set_initial(
                question, values.get(question.code), others.get(question.code, "")
            )
            self.initial[field_name(question.code, "rev")] = revisions.get(
                question.code, 0
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def _add_fields(self, q: QuestionSpec, municipality_choices) -> None:
        name = field_name(q.code)
        choices = [(o.code, o.label) for o in q.options]
        messages = {
            "invalid_choice": INVALID_CHOICE,
            "invalid_list": _("Ongeldig antwoord."),
        }
        if q.type == "single":
            self.fields[name] = forms.ChoiceField(
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
                error_messages=messages,
            )
        elif q.type == "multiple":
            self.fields[name] = forms.MultipleChoiceField(
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                error_messages=messages,
            )
        elif q.type == "municipalities":
            self.fields[name] = forms.MultipleChoiceField(
                choices=list(municipality_choices),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "invalid_choice": _("‘%(value)s’ is geen bestaande gemeente.")
                },
            )
        elif q.type == "matrix":
            for row in q.rows:
                self.fields[field_name(q.code, f"r-{row.code}")] = forms.ChoiceField(
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect,
                    error_messages=messages,
                    label=row.label,
                )
        elif q.type == "text":
            limit = int(q.settings.get("max_length", DEFAULT_MAX_LENGTH))
            self.fields[name] = forms.CharField(
                required=False,
                max_length=limit,
                strip=True,
                widget=forms.Textarea(attrs={"rows": 4, "maxlength": limit}),
                error_messages={
                    "max_length": _(
                        "Uw antwoord is te lang: hoogstens %(limit_value)d tekens "
                        "(nu %(show_value)d)."
                    )
                },
            )
        elif q.type == "number":
            number_messages = {
                "invalid": _("Vul een getal in (alleen cijfers)."),
                "min_value": _("Het getal moet minstens %(limit_value)s zijn."),
                "max_value": _("Het getal mag hoogstens %(limit_value)s zijn."),
            }
            kind = (
                forms.IntegerField
                if q.settings.get("integer", True)
                else forms.FloatField
            )
            self.fields[name] = kind(
                required=False,
                min_value=q.settings.get("min"),
                max_value=q.settings.get("max"),
                error_messages=number_messages,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        if any(o.is_other for o in q.options) and q.type != "matrix":
            self.fields[field_name(q.code, "other")] = forms.CharField(
                required=False,
                max_length=OTHER_MAX_LENGTH,
                strip=True,
                label=_("Specificeer"),
                error_messages={
                    "max_length": _(
                        "Uw toelichting is te lang: hoogstens %(limit_value)d tekens."
                    )
                },
            )
        self.fields[field_name(q.code, "rev")] = forms.IntegerField(
            required=False, min_value=0, widget=forms.HiddenInput
        )

    def _set_initial(self, q: QuestionSpec, value: Any, other: str) -> None:
        if q.type == "matrix":
            for row, cell in (value or {}).items():
                self.initial[field_name(q.code, f"r-{row}")] = cell
        elif value is not None:
            self.initial[field_name(q.code)] = value
        if other:
            self.initial[field_name(q.code, "other")] = other

    def clean(self):
        cleaned = super().clean()
        if self.data:
            unknown = sorted(
                key
                for key in self.data
                if key.startswith("q-")
                and not any(
                    key == f"q-{c}" or key.startswith(f"q-{c}-")
                    for c in self.known_codes
                )
            )
            if unknown:
                self.add_error(
                    None,
                    forms.ValidationError(
                        _("Onbekend veld in het formulier: %(codes)s."),
                        params={"codes": ", ".join(unknown)},
                    ),
                )
        for q in self.questions:
            if q.type == "matrix":
                prefix = field_name(q.code, "r-")
                rows = {r.code for r in q.rows}
                extra = [k[len(prefix) :] for k in self.data if k.startswith(prefix)]
                if bad := [r for r in extra if r not in rows]:
                    self.question_errors.setdefault(q.code, []).append(
                        str(_("Onbekende rij: %(rows)s.")) % {"rows": ", ".join(bad)}
                    )
            if q.type == "multiple":
                chosen = cleaned.get(field_name(q.code)) or []
                exclusive = [o for o in q.options if o.exclusive and o.code in chosen]
                if exclusive and len(chosen) > 1:
                    self.add_error(
                        field_name(q.code),
                        str(
                            _(
                                "‘%(label)s’ kan niet samen met een ander antwoord "
                                "gekozen worden."
                            )
                        )
                        % {"label": exclusive[0].label},
                    )
        return cleaned

    def errors_for(self, q: QuestionSpec) -> list[str]:
        """Every message of one question (all its fields plus question-level ones)."""
        messages = list(self.question_errors.get(q.code, []))
        prefix = field_name(q.code)
        for name, errors in self.errors.items():
            if name == prefix or name.startswith(prefix + "-"):
                messages.extend(errors)
        return messages

    def valid_codes(self) -> list[str]:
        return [q.code for q in self.questions if not self.errors_for(q)]

    def submitted(self) -> dict[str, Submitted]:
        """Contract-shaped answers of the questions whose fields validated."""
        data = self.cleaned_data
        result = {}
        for q in self.questions:
            if self.errors_for(q):
                continue
            name = field_name(q.code)
            if q.type == "municipalities" and name not in self.data:
                continue  # answered from the besturen page, not posted here
            if q.type == "matrix":
                value = {
                    row.code: data[field_name(q.code, f"r-{row.code}")]
                    for row in q.rows
                    if data.get(field_name(q.code, f"r-{row.code}"))
                }
            elif q.type in ("multiple", "municipalities"):
                value = list(data.get(name) or [])
            else:
                value = data.get(name)
                if value == "":
                    value = None
            result[q.code] = Submitted(
                value=value,
                other_text=data.get(field_name(q.code, "other")) or "",
                base_revision=data.get(field_name(q.code, "rev")) or 0,
            )
        return result
