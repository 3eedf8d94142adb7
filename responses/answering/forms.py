"""Respondent forms: the besturen page, forwarding, and the dynamic section form.

Field names of the section form: `q-<code>` (the answer), `q-<code>-other`
("other, specify" text), `q-<code>-rev` (the revision the respondent saw) and
`q-<code>-r-<row>` (one radio group per matrix row). Forms only check shapes;
branching and storing are the services' job.
"""

from __future__ import annotations

from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from responses.answering.answers import Submitted
from responses.answering.text import validate_no_links
from surveys.branching import QuestionSpec
from surveys.text import validate_text
from surveys.types import NOT_POSTED, kind


class RespondentForm(forms.Form):
    """Who answers, and for which besturen."""

    respondent_name = forms.CharField(label=_("Uw naam"), max_length=200)
    respondent_email = forms.EmailField(
        label=_("Uw e-mailadres"),
        help_text=_(
            "Voor vragen over uw antwoorden. De kopie na het indienen gaat naar het "
            "adres waarop u de uitnodiging ontving."
        ),
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
        picker = cast(forms.MultipleChoiceField, self.fields["municipalities"])
        picker.choices = list(municipality_choices)
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
    """Who to forward to, and an optional note that goes into the mail as quoted,
    plain text. Nothing typed here may carry a link: the mail comes from VVSG's
    address and must not become a vehicle for phishing."""

    name = forms.CharField(
        label=_("Naam van uw collega"),
        max_length=200,
        validators=[validate_text, validate_no_links],
    )
    email = forms.EmailField(
        label=_("E-mailadres van uw collega"),
        error_messages={
            "invalid": _("Vul een geldig e-mailadres in, bv. naam@gemeente.be.")
        },
    )
    function = forms.CharField(
        label=_("Functie"),
        max_length=120,
        required=False,
        validators=[validate_text, validate_no_links],
    )
    message = forms.CharField(
        label=_("Persoonlijk bericht (optioneel)"),
        required=False,
        validators=[validate_text, validate_no_links],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Gewone tekst, zonder links. Uw collega ziet dit als uw woorden in de mail."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.FORWARD_MESSAGE_MAX_LENGTH
        message = self.fields["message"]
        assert isinstance(message, forms.CharField)
        message.max_length = limit
        message.validators.append(MaxLengthValidator(limit))
        message.widget.attrs["maxlength"] = limit
        self.fields["message"].error_messages["max_length"] = _(
            "Uw bericht is te lang: hoogstens %(limit_value)d tekens "
            "(nu %(show_value)d)."
        )
        for field in self.fields.values():
            field.error_messages["required"] = _("Dit veld is verplicht.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


def field_name(code: str, part: str = "") -> str:
    return f"q-{code}-{part}" if part else f"q-{code}"


def initial_values(
    questions: tuple[QuestionSpec, ...],
    *,
    values: dict[str, Any] | None,
    others: dict[str, str] | None,
    revisions: dict[str, int] | None,
) -> dict[str, Any]:
    """Field name -> stored value: what an unbound section form shows."""
    values, others, revisions = values or {}, others or {}, revisions or {}
    initial: dict[str, Any] = {}
    for question in questions:
        code = question.code
        by_suffix = kind(question).initial(question, values.get(code))
        if others.get(code) and any(o.is_other for o in question.options):
            by_suffix["other"] = others[code]
        for suffix, value in by_suffix.items():
            initial[field_name(code, suffix)] = value
        initial[field_name(code, "rev")] = revisions.get(code, 0)
    return initial


class SectionForm(forms.Form):
    """The questions of one section (or one question, for an autosave).

    Every field comes from the question's type (surveys.types), keyed by suffix:
    "" is `q-<code>`, "other" is `q-<code>-other`, "r-<row>" is `q-<code>-r-<row>`.
    """

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
        for question in questions:
            fields = kind(question).form_fields(question, choices=municipality_choices)
            for suffix, field in fields.items():
                self.fields[field_name(question.code, suffix)] = field
            self.fields[field_name(question.code, "rev")] = forms.IntegerField(
                required=False, min_value=0, widget=forms.HiddenInput
            )
        self.initial.update(
            initial_values(questions, values=values, others=others, revisions=revisions)
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def _posted_suffixes(self, code: str) -> list[str]:
        prefix = field_name(code)
        return [
            "" if key == prefix else key[len(prefix) + 1 :]
            for key in self.data
            if key == prefix or key.startswith(prefix + "-")
        ]

    def _cleaned_by_suffix(self, code: str) -> dict[str, Any]:
        prefix = field_name(code)
        data = getattr(self, "cleaned_data", {})
        return {
            "" if name == prefix else name[len(prefix) + 1 :]: value
            for name, value in data.items()
            if name == prefix or name.startswith(prefix + "-")
        }

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
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
            messages = kind(q).form_errors(
                q, self._cleaned_by_suffix(q.code), self._posted_suffixes(q.code)
            )
            if messages:
                self.question_errors.setdefault(q.code, []).extend(messages)
        return cleaned

    def errors_for(self, q: QuestionSpec) -> list[str]:
        """Every message of one question (all its fields plus question-level ones)."""
        messages = list(self.question_errors.get(q.code, []))
        prefix = field_name(q.code)
        for name, errors in self.errors.items():
            if name == prefix or name.startswith(prefix + "-"):
                messages.extend(str(e) for e in errors)
        return messages

    def valid_codes(self) -> list[str]:
        return [q.code for q in self.questions if not self.errors_for(q)]

    def submitted(self) -> dict[str, Submitted]:
        """Contract-shaped answers of the questions whose fields validated."""
        result = {}
        for q in self.questions:
            if self.errors_for(q):
                continue
            cleaned = self._cleaned_by_suffix(q.code)
            value = kind(q).from_form(q, cleaned, self._posted_suffixes(q.code))
            if value is NOT_POSTED:
                continue
            result[q.code] = Submitted(
                value=value,
                other_text=cleaned.get("other") or "",
                base_revision=cleaned.get("rev") or 0,
            )
        return result
