"""The section page at floor cost (issue 14): compiled markup, few queries, no
needless writes, and a reloaded instrument shows up at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from responses.answering.answers import remember_section
from responses.answering.markup import Slot, clear_markup_cache
from responses.answering.respondents import VISIT_GAP, record_open
from responses.models import Answer, CampaignStatus, Invitation, Response
from surveys.models import Question
from surveys.queries import clear_spec_cache
from tests.factories import (
    instrument_path,
    make_campaign,
    make_real_instrument,
    make_started_response,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_spec_cache()
    clear_markup_cache()
    cache.clear()
    yield
    clear_spec_cache()
    clear_markup_cache()


def _real_respondent(instrument=None):
    campaign = make_campaign(
        instrument=instrument or make_real_instrument(2024),
        status=CampaignStatus.OPEN,
        sender_email="radicalisering@vvsg.be",
    )
    return make_started_response(campaign=campaign)


@pytest.mark.parametrize("section", ["profiel", "radicalisering", "beleid"])
def test_section_page_reads_at_most_four_queries(
    client, django_assert_max_num_queries, section
):
    invitation, token = _real_respondent()
    Answer.objects.create(
        response=invitation.response,
        question=Question.objects.get(
            instrument=invitation.campaign.instrument, code="RAD_SIGNALEN"
        ),
        value="ja_gelijk",
    )
    url = f"/b/{token}/vragen/{section}/"
    client.get(url)  # the first view compiles the instrument and records the open

    with django_assert_max_num_queries(4):
        page = client.get(url)

    assert page.status_code == 200
    assert 'id="q-' in page.content.decode()


def test_section_page_shows_stored_answers_through_compiled_markup(client):
    invitation, token = _real_respondent()
    instrument = invitation.campaign.instrument
    Answer.objects.create(
        response=invitation.response,
        question=Question.objects.get(instrument=instrument, code="RAD_SIGNALEN"),
        value="ja_gelijk",
    )
    Answer.objects.create(
        response=invitation.response,
        question=Question.objects.get(instrument=instrument, code="RAD_CASUS_ISLAM"),
        value='<b>"casus" & co</b>',
    )

    html = client.get(f"/b/{token}/vragen/radicalisering/").content.decode()

    assert 'value="ja_gelijk" checked' in html
    assert html.count(" checked") == 1
    assert "&lt;b&gt;&quot;casus&quot; &amp; co&lt;/b&gt;</textarea>" in html
    assert "\x00" not in html


def test_section_page_follows_a_reloaded_instrument(client, tmp_path):
    from surveys.services import load_instrument

    source = instrument_path(2024).read_text(encoding="utf-8")
    path = tmp_path / "ledenbevraging-2024.yaml"
    path.write_text(source, encoding="utf-8")
    invitation, token = _real_respondent(load_instrument(path=path))
    url = f"/b/{token}/vragen/profiel/"
    before = client.get(url).content.decode()
    path.write_text(
        source.replace('text: "Wat is uw functie?"', 'text: "Welke functie heeft u?"'),
        encoding="utf-8",
    )

    load_instrument(path=path, replace=True)
    after = client.get(url).content.decode()

    assert "Wat is uw functie?" in before
    assert "Welke functie heeft u?" in after
    assert "Wat is uw functie?" not in after


def test_record_open_writes_once_per_visit():
    invitation, _ = make_started_response()
    start = timezone.now()

    record_open(invitation=invitation, now=start)
    record_open(invitation=invitation, now=start + VISIT_GAP / 2)
    within = Invitation.objects.get(pk=invitation.pk)
    record_open(invitation=invitation, now=start + VISIT_GAP + timedelta(seconds=1))
    later = Invitation.objects.get(pk=invitation.pk)

    assert (within.first_opened_at, within.last_opened_at) == (start, start)
    assert later.first_opened_at == start
    assert later.last_opened_at == start + VISIT_GAP + timedelta(seconds=1)


def test_record_open_within_a_visit_costs_no_query(django_assert_num_queries):
    invitation, _ = make_started_response()
    record_open(invitation=invitation)

    with django_assert_num_queries(0):
        record_open(invitation=invitation)


def test_record_open_from_a_stale_copy_does_not_write_twice():
    invitation, _ = make_started_response()
    other_request = Invitation.objects.get(pk=invitation.pk)
    start = timezone.now()

    record_open(invitation=invitation, now=start)
    record_open(invitation=other_request, now=start + timedelta(seconds=1))

    stored = Invitation.objects.get(pk=invitation.pk)
    assert (stored.first_opened_at, stored.last_opened_at) == (start, start)


def test_remember_section_writes_nothing_when_unchanged(django_assert_num_queries):
    invitation, _ = make_started_response()
    response = invitation.response
    remember_section(response=response, section="beleid")

    with django_assert_num_queries(0):
        remember_section(response=response, section="beleid")

    assert Response.objects.get(pk=response.pk).current_section == "beleid"


def test_slot_refuses_a_template_condition():
    with pytest.raises(TypeError):
        bool(Slot("position"))
