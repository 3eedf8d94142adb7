"""Branching is evaluated once per request or export row, and the section page
is built by the section_page() service from that one evaluation."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from responses.answering.answers import Submitted, save_answers
from responses.answering.pages import section_page, section_state
from responses.models import Answer
from responses.reporting.exports import export_rows
from surveys.branching import EVALUATIONS
from tests.factories import (
    make_export_campaign,
    make_export_response,
    make_started_response,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


class _Evaluations:
    def __enter__(self):
        self.start = EVALUATIONS.value
        return self

    def __exit__(self, *exc):
        self.count = EVALUATIONS.value - self.start


def test_evaluations_section_post_failing_validation_evaluates_once(client):
    mayor, token = make_started_response()

    with _Evaluations() as counted:
        page = client.post(
            f"/b/{token}/vragen/radicalisering/",
            {
                "q-rad_signalen": "ja_stijging",
                "q-rad_vormen": ["extreemrechts", "weet_niet"],  # exclusive clash
                "action": "next",
            },
        )

    html = page.content.decode()
    assert counted.count == 1
    assert "kan niet samen met een ander antwoord" in html
    assert 'data-question="rad_vormen" hidden' not in html  # shown after the save
    assert dict(
        Answer.objects.filter(response=mayor.response).values_list(
            "question__code", "value"
        )
    ) == {"rad_signalen": "ja_stijging"}


def test_evaluations_autosave_evaluates_once(client):
    mayor, token = make_started_response()

    with _Evaluations() as counted:
        reply = client.post(
            f"/b/{token}/vragen/radicalisering/opslaan/",
            {"_question": "rad_signalen", "q-rad_signalen": "ja_gelijk"},
            HTTP_HX_REQUEST="true",
        )

    trigger = json.loads(reply.headers["HX-Trigger"])["surveyVisibility"]
    assert counted.count == 1
    assert "rad_vormen" in trigger["visible"]
    assert Answer.objects.get(response=mayor.response).value == "ja_gelijk"


def test_evaluations_autosave_with_form_error_evaluates_once(client):
    mayor, token = make_started_response()

    with _Evaluations() as counted:
        reply = client.post(
            f"/b/{token}/vragen/radicalisering/opslaan/",
            {"_question": "rad_signalen", "q-rad_signalen": "bestaat_niet"},
            HTTP_HX_REQUEST="true",
        )

    assert counted.count == 1
    assert json.loads(reply.headers["HX-Trigger"])["surveyVisibility"]["invalid"]
    assert not Answer.objects.filter(response=mayor.response).exists()


def test_evaluations_export_evaluates_once_per_row():
    campaign = make_export_campaign()
    for value in ("ja", "nee", "ja"):
        make_export_response(campaign=campaign, answers={"q1": value})

    with _Evaluations() as counted:
        rows = list(export_rows(campaign=campaign))

    assert len(rows) == 4  # header + 3
    assert counted.count == 3


def test_section_page_returns_blocks_summary_steps_and_progress():
    mayor, token = make_started_response()
    state = section_state(invitation=mayor, section="radicalisering")
    form = state.form({"q-rad_signalen": "bestaat_niet"})
    form.is_valid()

    with _Evaluations() as counted:
        page = section_page(state=state, form=form, editable=True)

    blocks = {b["q"].code: b for b in page["blocks"]}
    assert counted.count == 1
    assert [s["code"] for s in page["steps"]] == [
        "radicalisering",
        "polarisatie",
        "beleid",
    ]
    assert page["step_number"] == 1 and page["previous"] is None
    assert page["next"] == "polarisatie"
    assert blocks["rad_vormen"]["hidden"] is True
    # The answer markup is compiled once, then filled in: here with the posted value.
    assert 'type="checkbox" name="q-rad_vormen"' in blocks["rad_vormen"]["markup"]
    assert 'name="q-rad_dreiging-r-religieus"' in blocks["rad_dreiging"]["markup"]
    assert 'aria-invalid="true"' in blocks["rad_signalen"]["markup"]
    assert " checked" not in blocks["rad_signalen"]["markup"]
    assert page["error_summary"] == [
        {
            "anchor": "q-rad_signalen",
            "label": f"1. {blocks['rad_signalen']['q'].text}",
            "message": "Kies een van de voorgestelde antwoorden (‘bestaat_niet’ "
            "bestaat niet).",
        }
    ]
    # The respondent's progress: nothing answered yet, out of every unit of the
    # instrument (a fixed denominator, Evaluation.progress_at).
    assert (page["done"], page["total"]) == state.evaluation.progress_at(state.section)
    assert page["done"] == 0


def test_save_answers_whitespace_only_text_is_not_stored_as_an_answer():
    mayor, _ = make_started_response()

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_toelichting": Submitted("  \n\t ")},
    )

    assert result.saved == [] and result.errors == {}
    assert not Answer.objects.filter(response=mayor.response).exists()
