"""What the section page and the htmx autosave render, built in one place.

The respondent views only parse the request and pick a response; this module
loads the section's state once (spec, stored answers, one branching evaluation)
and turns it into the template's blocks, error summary, step list, progress and
the htmx trigger data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from municipalities.queries import current_municipalities
from responses.answering.answers import Conflict, SaveResult
from responses.answering.forms import SectionForm, field_name, initial_values
from responses.answering.markup import FillData, compiled_section
from responses.answering.queries import (
    StoredAnswers,
    display_value,
    municipality_names,
    review_sections,
    stored_answers,
)
from responses.answering.texts import (
    display_numbers,
    numbered_for_display,
    paragraphs,
)
from responses.models import Invitation
from surveys import branching
from surveys.branching import InstrumentSpec, QuestionSpec
from surveys.queries import instrument_spec, instrument_texts
from surveys.types import kind


class UnknownSection(LookupError):
    """The URL names a section the instrument does not have."""


@dataclass(frozen=True)
class SectionState:
    """One section of one response as this request found it."""

    invitation: Invitation
    spec: InstrumentSpec
    section: str
    stored: StoredAnswers
    # Set after a save; otherwise evaluated on first use (a POST never needs the
    # state from before its save, so it evaluates only once).
    known_evaluation: branching.Evaluation | None = None

    @cached_property
    def evaluation(self) -> branching.Evaluation:
        if self.known_evaluation is not None:
            return self.known_evaluation
        return branching.evaluate(self.spec, self.stored.values)

    @property
    def questions(self) -> tuple[QuestionSpec, ...]:
        return self.spec.in_section(self.section)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(q.code for q in self.questions)

    @property
    def has_visible(self) -> bool:
        return bool(self.codes & self.evaluation.visible)

    def after(self, result: SaveResult) -> SectionState:
        """The state after a save, reusing the save's evaluation."""
        assert result.stored is not None and result.evaluation is not None
        return replace(self, stored=result.stored, known_evaluation=result.evaluation)

    def form(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> SectionForm:
        """The section form (or, with `questions=`, the form of one question)."""
        questions = kwargs.get("questions", self.questions)
        options = {
            "questions": questions,
            "known_codes": self.codes,
            "revisions": self.stored.revisions,
            "values": self.stored.values,
            "others": self.stored.others,
            # Read only for a form that shows such a question (an autosave of
            # another question of the page needs no list of every bestuur).
            "municipality_choices": self._municipality_choices(questions),
        } | kwargs
        return (
            SectionForm(data, **options) if data is not None else SectionForm(**options)
        )

    @staticmethod
    def _municipality_choices(
        questions: tuple[QuestionSpec, ...],
    ) -> list[tuple[str, str]]:
        if not any(kind(q).mirrors_besturen for q in questions):
            return []
        today = current_municipalities().order_by("name")
        return [(m.nis_code, m.name) for m in today]


def section_state(*, invitation: Invitation, section: str) -> SectionState:
    """Load a section of the invitation's response; raises UnknownSection."""
    spec = instrument_spec(invitation.campaign.instrument)
    if section not in spec.sections:
        raise UnknownSection(section)
    return SectionState(
        invitation=invitation,
        spec=spec,
        section=section,
        stored=stored_answers(response=invitation.response),
    )


def _progress(evaluation: branching.Evaluation, section: str | None) -> dict[str, int]:
    # The respondent's progress never goes down (Evaluation.progress_at).
    done, total = evaluation.progress_at(section)
    percent = round(100 * done / total) if total else 0
    return {"done": done, "total": total, "percent": percent}


def _conflict_fields(question: QuestionSpec, conflict: Conflict | None) -> dict:
    if conflict is None:
        return {"conflict": None, "their_lines": []}
    return {
        "conflict": conflict,
        "their_lines": display_value(
            question, conflict.their_value, conflict.their_other_text
        ),
        "revision": conflict.their_revision,
    }


def _field_values(state: SectionState, form: SectionForm | None) -> dict[str, Any]:
    # What the fields show: as posted after a failed save, else as stored.
    if form is not None and form.is_bound:
        return {name: form[name].value() for name in form.fields}
    stored = state.stored
    return initial_values(
        state.questions,
        values=stored.values,
        others=stored.others,
        revisions=stored.revisions,
    )


def _dynamic_fields(
    state: SectionState, form: SectionForm | None, questions: list[QuestionSpec]
) -> dict[str, dict[str, Any]]:
    """Template data of the questions whose partial is rendered per request."""
    if not questions:
        return {}
    if form is None:
        form = state.form(questions=tuple(questions))
    values = state.stored.values
    names = municipality_names(
        {c for q in questions for c in kind(q).references(values.get(q.code))}
    )
    fields = {}
    for question in questions:
        code = question.code

        def bound(suffix: str, code: str = code) -> Any:
            name = field_name(code, suffix)
            return form[name] if name in form.fields else None

        fields[code] = {
            "stored_lines": display_value(
                question,
                values.get(code),
                state.stored.others.get(code, ""),
                names=names,
            ),
            **kind(question).widgets(
                question, bound, state.evaluation.visible_rows(code)
            ),
        }
    return fields


def _blocks(
    state: SectionState,
    form: SectionForm | None,
    conflicts: Mapping[str, Conflict],
    errors: Mapping[str, list[str]],
    *,
    editable: bool,
) -> list[dict]:
    evaluation = state.evaluation
    instrument = state.invitation.campaign.instrument
    texts = instrument_texts(instrument)
    compiled = compiled_section(
        instrument=instrument, spec=state.spec, texts=texts, section=state.section
    )
    values = _field_values(state, form)
    # Gapless numbers for the questions that apply ("3 → 7" reads as an error).
    numbers = display_numbers(state.spec, evaluation.visible)
    dynamic = _dynamic_fields(
        state, form, [q for q in state.questions if q.code not in compiled]
    )
    blocks = []
    for question in state.questions:
        code = question.code
        rows = evaluation.visible_rows(code)
        block_errors = (
            form.errors_for(question) if form is not None and form.is_bound else []
        ) + errors.get(code, [])
        block = {
            "q": question,
            "number": numbers[code],
            "kind": kind(question),
            "hidden": code not in evaluation.visible,
            "rows": rows,
            "required": question.required,
            "errors": block_errors,
            "revision": state.stored.revisions.get(code, 0),
            "help_text": texts.help_texts.get(code, ""),
        }
        if code in compiled:
            block["markup"] = compiled[code].fill(
                FillData(
                    number=numbers[code],
                    invalid=bool(block_errors),
                    editable=editable,
                    values=values,
                    visible_rows=rows,
                )
            )
        else:
            block |= dynamic[code]
        block |= _conflict_fields(question, conflicts.get(code))
        blocks.append(block)
    return blocks


def _error_summary(blocks: list[dict], form: SectionForm | None) -> list[dict]:
    summary = []
    for b in blocks:
        label = f"{b['number']}. {b['q'].text}"
        summary += [
            {"anchor": f"q-{b['q'].code}", "label": label, "message": m}
            for m in b["errors"]
        ]
    for b in blocks:
        if b["conflict"]:
            summary.append(
                {
                    "anchor": f"q-{b['q'].code}",
                    "label": f"{b['number']}. {b['q'].text}",
                    "message": _("Deze vraag werd intussen gewijzigd door %s.")
                    % b["conflict"].by_name,
                }
            )
    if form is not None and form.is_bound and form.non_field_errors():
        summary += [
            {"anchor": "main", "label": "", "message": m}
            for m in form.non_field_errors()
        ]
    return summary


def section_page(
    *,
    state: SectionState,
    form: SectionForm | None,
    editable: bool,
    conflicts: Mapping[str, Conflict] | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The section template's data: blocks, error summary, steps, progress, nav.

    `form` is the bound form after a failed save; a plain view passes None and the
    fields show the stored answers.
    """
    evaluation = state.evaluation
    texts = instrument_texts(state.invitation.campaign.instrument)
    titles = texts.titles
    blocks = _blocks(state, form, conflicts or {}, errors or {}, editable=editable)
    shown = list(evaluation.shown_sections)
    section = state.section
    return {
        "spec": state.spec,
        "section": section,
        "section_title": titles.get(section, section),
        "section_intro": paragraphs(texts.intros.get(section, "")),
        "blocks": blocks,
        "form": form,
        "steps": [
            {"code": s, "title": titles.get(s, s), "current": s == section}
            for s in shown
        ],
        "step_number": shown.index(section) + 1 if section in shown else 0,
        "previous": evaluation.previous_section(section),
        "next": evaluation.next_section(section),
        "error_summary": _error_summary(blocks, form),
        **_progress(evaluation, section),
    }


def page_check(*, state: SectionState, blocks: list[dict]) -> list[dict]:
    """Visible required questions of this page still open, with links (LimeSurvey's
    soft mandatory: listed at the top, the respondent may still move on)."""
    missing = state.evaluation.validate(state.stored.others, sections=[state.section])
    return [
        {
            "anchor": f"q-{b['q'].code}",
            "label": f"{b['number']}. {b['q'].text}",
            "message": missing[b["q"].code][0],
        }
        for b in blocks
        if b["q"].code in missing
    ]


def has_open_required(*, state: SectionState) -> bool:
    return bool(
        state.evaluation.validate(state.stored.others, sections=[state.section])
    )


@dataclass(frozen=True)
class AutosaveReply:
    """What one autosave answers: HX-Trigger events for the page to apply, and the
    question's feedback fragment only when it needs more than a status line (an
    error, a refused answer, a colleague's conflicting change)."""

    events: dict[str, Any]
    fragment: dict[str, Any] | None


def autosave_reply(
    *,
    state: SectionState,
    question: QuestionSpec,
    errors: list[str],
    conflict: Conflict | None,
    saved_at: datetime,
) -> AutosaveReply:
    """The reply to one autosaved question, from the state after the save."""
    evaluation = state.evaluation
    code = question.code
    revision = state.stored.revisions.get(code, 0)
    progress = _progress(evaluation, state.section)
    events: dict[str, Any] = {
        "surveyVisibility": {
            "visible": sorted(c for c in state.codes if c in evaluation.visible),
            "rows": {
                c: list(r) for c, r in evaluation.rows.items() if c in state.codes
            },
            "invalid": bool(errors or conflict),
            "question": code,
        }
    }
    if errors or conflict:
        block = {"q": question, "errors": errors, "revision": revision}
        block |= _conflict_fields(question, conflict)
        fragment = {"b": block, "section": state.section, **progress}
        return AutosaveReply(events=events, fragment=fragment)
    time = time_format(timezone.localtime(saved_at), "H:i")
    events["surveySaved"] = {
        "question": code,
        "revision": revision,
        "status": _("Opgeslagen om %(time)s") % {"time": time},
        "progress": progress
        | {"label": _("Voortgang: %(percent)s%%") % {"percent": progress["percent"]}},
    }
    return AutosaveReply(events=events, fragment=None)


def appeared_questions(
    before: SectionState, after: SectionState, *, shown: set[str] | None = None
) -> list[str]:
    """Questions of this page that are visible now but were not on the respondent's
    screen (sorted codes).

    `shown` is what the browser showed when "Volgende" was pressed (posted by the
    page's script). Without it, what was visible before this save: an autosave that
    landed after the click would otherwise make its follow-up count as already seen.
    """
    seen = before.evaluation.visible if shown is None else shown
    return sorted((after.evaluation.visible - seen) & before.codes)


def review_page(*, invitation: Invitation, token: str) -> dict[str, Any]:
    """The review page's data: every visible answer per section, what blocks
    submitting (with links to the questions) and progress; one evaluation."""
    response = invitation.response
    if response is None:
        raise ValueError("review_page needs a started response")
    instrument = invitation.campaign.instrument
    spec = instrument_spec(instrument)
    stored = stored_answers(response=response)
    evaluation = branching.evaluate(spec, stored.values)
    missing = evaluation.validate(stored.others)
    sections = review_sections(
        spec=numbered_for_display(spec, evaluation.visible),
        titles=instrument_texts(instrument).titles,
        visible=evaluation.visible_answers,
        others=stored.others,
        visible_codes=evaluation.visible,
        required_codes=evaluation.required,
        errors=missing,
    )
    summary = [
        {
            "href": reverse(
                "responses:answer-section",
                kwargs={"token": token, "section": s.code},
            )
            + f"#q-{item.code}",
            "label": f"{item.number}. {item.text}",
            "message": m,
        }
        for s in sections
        for item in s.items
        for m in item.errors
    ]
    return {
        "sections": sections,
        "missing": missing,
        "error_summary": summary,
        "besturen": [m.municipality for m in response.represented.all()],
        **_progress(evaluation, None),
    }
