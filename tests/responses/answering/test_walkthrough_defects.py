"""Defects a mayor met in a full walk-through (issue 16), each pinned by a test."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.formats import date_format

from municipalities.models import Contact
from municipalities.services import create_demo_contacts
from responses.answering.respondents import format_deadline
from responses.answering.texts import paragraphs
from responses.models import Response, ResponseStatus
from surveys.queries import clear_spec_cache
from tests.factories import (
    make_campaign,
    make_municipality,
    make_real_instrument,
    make_respondent,
    make_started_response,
)

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    clear_spec_cache()
    yield
    cache.clear()


def _real_respondent():
    campaign = make_campaign(instrument=make_real_instrument(2026))
    return make_respondent(campaign=campaign)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _submit_survey(client, token) -> None:
    for section, data in [
        ("radicalisering", {"q-rad_signalen": "neen"}),
        ("polarisatie", {"q-pol_signalen": "neen"}),
        ("beleid", {"q-bel_fte": "2"}),
    ]:
        client.post(f"/b/{token}/vragen/{section}/", {**data, "action": "next"})
    client.post(f"/b/{token}/indienen/")


# 1. The deadline placeholder ----------------------------------------------------------


def test_start_page_fills_the_deadline_placeholder(client):
    invitation, token = _real_respondent()

    html = client.get(f"/b/{token}/").content.decode()

    deadline = format_deadline(invitation.campaign.closes_at)
    assert "{deadline}" not in html
    assert f"Gelieve de vragenlijst in te vullen vóór {deadline}." in html


# 2. Hard-wrapped intro ----------------------------------------------------------------


def test_intro_keeps_sentences_whole_and_paragraphs_apart(client):
    invitation, token = _real_respondent()

    html = client.get(f"/b/{token}/").content.decode()

    assert "Op lokaal niveau duiken vaak de eerste waarschuwingssignalen op." in html
    assert "<br>" not in html.split('class="lead survey-intro"')[1].split("</div>")[0]
    assert html.count("<p>Beste burgemeester,</p>") == 1


def test_paragraphs_join_wrapped_lines_and_split_on_blank_lines():
    text = "Een zin die\n  doorloopt.\n\n\nTweede alinea\nook.\n"

    assert paragraphs(text) == ["Een zin die doorloopt.", "Tweede alinea ook."]


# 4. "Volgende" with an empty required question (soft mandatory) -----------------------


def test_next_with_empty_required_question_lists_it_and_second_next_moves_on(client):
    mayor, token = make_started_response()

    first = client.post(
        f"/b/{token}/vragen/polarisatie/",
        {"q-pol_toelichting": "Vooral online.", "action": "next"},
    )
    check = client.get(first.headers["Location"]).content.decode()
    second = client.post(
        f"/b/{token}/vragen/polarisatie/",
        {"q-pol_toelichting": "Vooral online.", "action": "next", "page_checked": "1"},
    )

    assert first.headers["Location"] == (
        f"/b/{token}/vragen/polarisatie/?controle=1#page-check"
    )
    assert "verplichte vraag nog niet beantwoord" in check
    assert 'href="#q-pol_signalen"' in check
    assert "U mag toch verdergaan" in check
    assert 'name="page_checked" value="1"' in check
    assert second.headers["Location"] == f"/b/{token}/vragen/beleid/"
    # Nothing typed was lost on the way.
    assert mayor.response.answers.get().value == "Vooral online."


def test_next_with_every_required_question_answered_moves_on_at_once(client):
    mayor, token = make_started_response()

    page = client.post(
        f"/b/{token}/vragen/polarisatie/", {"q-pol_signalen": "ja", "action": "next"}
    )

    assert page.headers["Location"] == f"/b/{token}/vragen/beleid/"


# 5. Progress never jumps back ---------------------------------------------------------


def test_progress_shows_a_percentage_over_a_fixed_denominator(client):
    mayor, token = make_started_response()
    before = client.get(f"/b/{token}/vragen/radicalisering/").content.decode()

    client.post(
        f"/b/{token}/vragen/radicalisering/",
        {"q-rad_signalen": "ja_stijging", "action": "stay"},
    )
    after = client.get(f"/b/{token}/vragen/radicalisering/").content.decode()

    def value(html):
        return int(
            re.search(
                r'<progress id="progress-bar" max="(\d+)" value="(\d+)"', html
            ).group(2)
        )

    assert 'max="9"' in before and 'max="9"' in after  # 7 questions, matrix = 3 rows
    assert value(after) > value(before)
    assert "Voortgang:" in after


# 6. After submission: edits stay live until the edit deadline -------------------------


def test_after_submit_every_page_says_edits_count_without_resubmitting(client):
    mayor, token = make_started_response()
    _submit_survey(client, token)
    assert Response.objects.get().status == ResponseStatus.SUBMITTED

    client.post(
        f"/b/{token}/vragen/beleid/",
        {"q-bel_fte": "3", "q-bel_fte-rev": "1", "action": "later"},
    )
    saved = _text(client.get(f"/b/{token}/bewaard/").content.decode())
    review = _text(client.get(f"/b/{token}/overzicht/").content.decode())
    section = _text(client.get(f"/b/{token}/vragen/beleid/").content.decode())
    confirmation = _text(client.get(f"/b/{token}/bedankt/").content.decode())

    assert "Vergeet niet in te dienen" not in saved
    assert "U hoeft niet opnieuw in te dienen" in saved
    assert "Opnieuw indienen" not in review and "Antwoorden indienen" not in review
    assert "opnieuw indienen is niet nodig" in review
    assert "opnieuw indienen is niet nodig" in section
    assert "Opslaan en sluiten" in section
    assert "opnieuw indienen is niet nodig" in confirmation
    assert Response.objects.get().answers.get(question__code="bel_fte").value == 3


# 7. The function is asked once; question numbers do not skip ------------------------


def test_besturen_page_does_not_ask_the_function_again(client):
    invitation, token = _real_respondent()

    html = client.get(f"/b/{token}/besturen/").content.decode()
    client.post(
        f"/b/{token}/besturen/",
        {"respondent_name": "An Peeters", "respondent_email": "an@gemeente.be"},
    )

    assert "Uw functie" not in html and "respondent_function" not in html
    assert Response.objects.get().respondent_name == "An Peeters"


def test_question_numbers_follow_the_visible_questions_without_gaps(client):
    mayor, token = make_started_response()
    client.post(
        f"/b/{token}/vragen/radicalisering/",
        {"q-rad_signalen": "neen", "action": "next"},
    )

    page = client.get(f"/b/{token}/vragen/polarisatie/").content.decode()
    review = client.get(f"/b/{token}/overzicht/").content.decode()

    assert '<span class="question-number">2.</span> Merkt u signalen' in page
    assert "2. Merkt u signalen van schadelijke polarisatie?" in review


# 8. Demo links, demo addresses and Dutch month names -------------------------------


def test_run_script_sets_site_url_before_loading_the_demo():
    lines = (ROOT / "scripts" / "run").read_text().splitlines()

    export = next(i for i, line in enumerate(lines) if "export SITE_URL" in line)
    demo = next(i for i, line in enumerate(lines) if "load_demo" in line)

    assert export < demo


def test_demo_addresses_do_not_look_like_float_nis_codes():
    municipality = make_municipality(nis_code="24028", name="Heverlee-demo")

    create_demo_contacts(seed=7)

    emails = list(
        Contact.objects.filter(municipality=municipality).values_list(
            "email", flat=True
        )
    )
    assert emails
    assert not [e for e in emails if re.search(r"\d{5}\.\d+@", e)]
    assert all(".nis24028" in e for e in emails)


def test_staff_templates_write_dutch_month_names_in_lower_case():
    with translation.override("nl-be"):
        assert date_format(date(2024, 5, 21), "j b Y") == "21 mei 2024"
    capitalised = []
    for path in (ROOT / "templates").rglob("*.html"):
        for fmt in re.findall(r'\|date:"([^"]*)"', path.read_text()):
            if re.search(r"(?<!\\)M", fmt):
                capitalised.append(f"{path.name}: {fmt}")
    assert capitalised == []
