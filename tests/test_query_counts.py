"""Query counts per page do not grow with the instrument or the number of responses.

A respondent page that ran one query per question would cost ~60 round trips on the
real instrument; these tests pin the count to be the same for a 5-question and a
60-question instrument (and for 5 vs 50 responses on the staff pages).
"""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from responses.models import (
    Answer,
    CampaignStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    ResponseStatus,
)
from surveys.models import Instrument, MatrixRow, Option, Question, Section
from tests.factories import (
    make_export_campaign,
    make_export_response,
    make_invitation,
    make_municipality,
)
from tests.security.world import invite

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)
TYPES = ("single", "multiple", "matrix", "text", "number")
VALUES = {
    "single": "o1",
    "multiple": ["o1", "o2"],
    "matrix": {"r1": "o1", "r2": "o2"},
    "text": "tekst",
    "number": 3,
}


def make_sized_instrument(*, questions: int, sections: int = 2) -> Instrument:
    """An instrument with `questions` questions cycling over every answer type."""
    n = next(_seq)
    instrument = Instrument.objects.create(
        code=f"qc-{n}",
        version="1",
        title=f"Query count {n}",
        source_sha256=f"qc{n:062d}",
    )
    parts = [
        Section.objects.create(
            instrument=instrument, code=f"s{i}", order=i, title=f"S{i}"
        )
        for i in range(1, sections + 1)
    ]
    for i in range(1, questions + 1):
        qtype = TYPES[(i - 1) % len(TYPES)]
        question = Question.objects.create(
            instrument=instrument,
            section=parts[(i - 1) * sections // questions],
            code=f"q{i}",
            number=i,
            order=i,
            type=qtype,
            text=f"Vraag {i}",
            required=False,
            settings={"max_length": 500} if qtype == "text" else {},
            # Every fifth question depends on the first, as the real instrument's do.
            condition={"q": "q1", "in": ["o1"]} if i > 1 and i % 5 == 1 else None,
        )
        if qtype in ("single", "multiple", "matrix"):
            Option.objects.bulk_create(
                Option(question=question, code=f"o{k}", label=f"Optie {k}", order=k)
                for k in range(1, 6)
            )
        if qtype == "matrix":
            MatrixRow.objects.bulk_create(
                MatrixRow(question=question, code=f"r{k}", label=f"Rij {k}", order=k)
                for k in range(1, 9)
            )
    return instrument


def _answered_respondent(questions: int):
    instrument = make_sized_instrument(questions=questions)
    campaign = make_export_campaign(instrument=instrument, status=CampaignStatus.OPEN)
    mayor = invite(campaign=campaign)
    Answer.objects.bulk_create(
        Answer(response=mayor.response, question=q, value=VALUES[q.type])
        for q in instrument.questions.all()
    )
    return mayor


def _count(client, method: str, url: str, data=None, warm=None, status=200) -> int:
    getattr(client, method)(url, warm or data)  # warm the instrument spec cache
    with CaptureQueriesContext(connection) as queries:
        reply = getattr(client, method)(url, data)
    assert reply.status_code == status, (url, reply.status_code)
    return len(queries)


def _respondent_counts(client, mayor) -> dict[str, int]:
    # Two real saves of q1 (stored at revision 1): the measured one changes the value.
    warm = {"_question": "q1", "q-q1": "o2", "q-q1-rev": "1"}
    save = {"_question": "q1", "q-q1": "o1", "q-q1-rev": "2"}
    counts = {
        "section": _count(client, "get", mayor.url("vragen/s1/")),
        "autosave": _count(
            client, "post", mayor.url("vragen/s1/opslaan/"), save, warm, status=204
        ),
        "review": _count(client, "get", mayor.url("overzicht/")),
        "start": _count(client, "get", mayor.url()),
    }
    answer = Answer.objects.get(response=mayor.response, question__code="q1")
    assert (answer.value, answer.revision) == ("o1", 3)  # both saves went through
    return counts


def test_respondent_query_counts_do_not_depend_on_instrument_size(client):
    small = _respondent_counts(client, _answered_respondent(5))
    large = _respondent_counts(client, _answered_respondent(60))

    print(f"respondent queries: {small}")
    assert small == large, f"5 questions: {small}, 60 questions: {large}"


STAFF_PAGES = (
    "results-overview",
    "show-response-rate",
    "show-campaign",
    "list-deliveries",
)


def _staff_pages(campaign) -> list[str]:
    """The staff pages that exist (each area registers its own)."""
    urls = []
    for name in STAFF_PAGES:
        try:
            urls.append(reverse(f"responses:{name}", args=[campaign.slug]))
        except NoReverseMatch:
            continue
    return urls


def _campaign_with_responses(count: int):
    campaign = make_export_campaign(status=CampaignStatus.OPEN)
    for i in range(count):
        town = make_municipality()
        invitation = make_invitation(campaign=campaign, municipality=town)
        Delivery.objects.create(
            campaign=campaign,
            invitation=invitation,
            kind=DeliveryKind.INVITATION,
            email=invitation.email,
            status=DeliveryStatus.SENT,
        )
        # Half of the invited besturen answered: the board shows both kinds.
        if i % 2:
            continue
        make_export_response(
            campaign=campaign,
            municipalities=[town],
            answers={
                "q1": "ja" if i % 4 else "nee",
                "q3": {"r1": "2"},
                "q4": f"t{i}",
                "q5": i,
                "q7": "ander",
            },
            others={"q7": f"anders {i}"},
            status=ResponseStatus.SUBMITTED,
        )
    return campaign


def test_staff_page_query_counts_do_not_depend_on_response_count(
    client, django_user_model, settings
):
    settings.RESULTS_MIN_CELL = 1
    client.force_login(
        django_user_model.objects.create_superuser("qc", "q@c.test", "pw")
    )
    few, many = _campaign_with_responses(10), _campaign_with_responses(100)

    counts = {
        (size, url.replace(campaign.slug, "<slug>")): _count(client, "get", url)
        for size, campaign in (("5", few), ("50", many))
        for url in _staff_pages(campaign)
    }

    print(f"staff queries: {counts}")
    pages = {page for _, page in counts}
    assert pages  # at least the results overview exists
    for page in pages:
        assert counts[("5", page)] == counts[("50", page)], (page, counts)
