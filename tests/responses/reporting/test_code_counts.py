"""Issue 17: coded open answers as counts, on the staff pages and workbook and
on the member page, from one home (open_answers.counts_of)."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from openpyxl import load_workbook

from responses.models import Answer, ResponseStatus
from responses.reporting.member_results import member_report
from responses.reporting.open_answers import add_code, open_answers, review_answer
from responses.reporting.publishing import publish_results
from responses.reporting.results.codes import CodedAnswer, count_codes
from surveys.queries import clear_spec_cache, instrument_spec
from tests.responses.reporting.results_world import add_response, build_world

JEUGD_TEXT = "Meer vorming voor onze jeugddienst"


def test_count_codes_shares_order_and_small_counts():
    answers = [
        CodedAnswer(codes=["Vorming", "Jeugd"], to_code=False),
        CodedAnswer(codes=["Vorming"], to_code=True),
        CodedAnswer(codes=[], to_code=True),
        CodedAnswer(codes=[], to_code=False),  # read: no code applies
    ]

    staff = count_codes(answers, k=2, show_small=True)
    members = count_codes(answers, k=2, show_small=False)

    assert (staff.n, staff.coded, staff.to_code) == (4, 2, 2)
    assert [(r.label, r.count, r.share, r.small) for r in staff.rows] == [
        ("Vorming", 2, 1.0, False),
        ("Jeugd", 1, 0.5, True),
    ]
    assert [r.hidden for r in staff.rows] == [False, False]
    assert [r.hidden for r in members.rows] == [False, True]
    assert count_codes([], k=5, show_small=True).rows == ()


@pytest.fixture
def world():
    clear_spec_cache()
    world = build_world()
    add_response(
        world.current,
        "R11",
        world,
        ["Zoersel"],
        ResponseStatus.SUBMITTED,
        {"signalen": "neen", "toelichting": JEUGD_TEXT},
    )
    return world


def _coded(world):
    """toelichting: 3 answers; jeugd -> Vorming + Jeugd, hallo -> Vorming (and
    still marked to code), the HYPERLINK text unread."""
    campaign = world.current
    q = instrument_spec(campaign.instrument).question("toelichting")
    answers = {a.text: a for a in open_answers(campaign, q)}
    vorming = add_code(campaign=campaign, question_code="toelichting", label="Vorming")
    jeugd = add_code(campaign=campaign, question_code="toelichting", label="Jeugd")
    for text, codes, to_code in (
        (JEUGD_TEXT, [vorming.pk, jeugd.pk], False),
        ("<b>hallo</b>", [vorming.pk], True),
    ):
        review_answer(
            campaign=campaign,
            question=q,
            answer_id=answers[text].answer_id,
            quotable=False,
            personal_data=False,
            to_code=to_code,
            code_ids=codes,
            user=None,
        )
    return answers


@pytest.fixture
def staff(client):
    user = User.objects.create_user("analist", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_results"))
    client.force_login(user)
    return client


def _rows(book, title):
    return [
        tuple(v for v in row if v is not None)
        for row in book[title].iter_rows(values_only=True)
    ]


@pytest.mark.django_db
def test_staff_question_page_shows_small_code_counts_and_says_so(world, staff):
    _coded(world)
    url = reverse("responses:results-question", args=["lb-2026", "toelichting"])

    html = staff.get(url).content.decode()  # k = 5

    assert "2 van 3 antwoorden gecodeerd, 2 nog te coderen" in html
    assert '<th scope="row" class="fw-normal">Vorming</th><td class="text-end">2*' in (
        html
    )
    assert "100%" in html and "50%" in html
    assert "minder dan 5 antwoorden: hier getoond omdat u medewerker bent" in html
    assert reverse("responses:open-answers", args=["lb-2026", "toelichting"]) in html


@pytest.mark.django_db
def test_staff_overview_counts_other_specify_answers_still_to_code(world, staff):
    html = staff.get(
        reverse("responses:results-overview", args=["lb-2026"]) + "?k=2"
    ).content.decode()

    zicht = html.split('id="q-zicht"')[1].split("</article>")[0]
    assert "0 van 1 antwoorden gecodeerd, 1 nog te coderen" in zicht  # Wijkagent
    assert "Nog geen antwoorden gecodeerd." in zicht


@pytest.mark.django_db
def test_member_page_shows_the_same_counts_with_small_ones_suppressed(
    world, client, settings
):
    _coded(world)
    publish_results(campaign=world.current, user=None)
    settings.RESULTS_MIN_CELL = 2

    html = client.get(
        reverse("responses:member-results", args=["lb-2026"])
    ).content.decode()
    report = member_report(world.current, k=2)
    counts = next(r.codes for r in report.questions if r.question.code == "toelichting")

    assert [(r.label, r.count, r.hidden) for r in counts.rows] == [
        ("Vorming", 2, False),
        ("Jeugd", 1, True),
    ]
    assert "Vorming</th><td" in html and "&lt;2</td>" in html
    assert "nog te coderen" not in html and "*" not in html.split("results-codes")[1]
    assert JEUGD_TEXT not in html  # not marked quotable


@pytest.mark.django_db
def test_staff_workbook_has_the_code_counts(world, staff):
    _coded(world)

    reply = staff.get(reverse("responses:results-xlsx", args=["lb-2026"]))
    rows = _rows(load_workbook(BytesIO(reply.content)), "toelichting")

    start = rows.index(("Gecodeerde open antwoorden",))
    assert rows[start + 1 : start + 7] == [
        ("Open antwoorden", 3),
        ("Gecodeerd", 2),
        ("Nog te coderen", 2),
        ("Code", "Aantal", "% van de gecodeerde antwoorden"),
        ("Vorming", 2, 1),
        ("Jeugd", 1, 0.5),
    ]
    assert rows[start + 7] == (
        "Aantallen onder 5 zijn getoond (voor medewerkers); de ledenpagina toont <5.",
    )


@pytest.mark.django_db
def test_member_workbook_suppresses_small_code_counts(world, client):
    _coded(world)
    publish_results(campaign=world.current, user=None)

    reply = client.get(reverse("responses:member-results-xlsx", args=["lb-2026"]))
    rows = _rows(load_workbook(BytesIO(reply.content)), "toelichting")

    assert ("Vorming", "<5") in rows and ("Jeugd", "<5") in rows
    assert not any(JEUGD_TEXT in str(v) for row in rows for v in row)


@pytest.mark.django_db
def test_a_changed_answer_is_counted_as_still_to_code(world, staff):
    answers = _coded(world)
    Answer.objects.filter(pk=answers[JEUGD_TEXT].answer_id).update(value="Iets anders")
    url = reverse("responses:results-question", args=["lb-2026", "toelichting"])

    html = staff.get(url + "?k=1").content.decode()

    assert "1 van 3 antwoorden gecodeerd, 3 nog te coderen" in html
    assert "Jeugd" not in html.split("results-codes")[1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,args",
    [
        ("responses:results-overview", ["lb-2026"]),
        ("responses:results-question", ["lb-2026", "toelichting"]),
        ("responses:results-xlsx", ["lb-2026"]),
    ],
)
def test_code_counts_hidden_from_staff_without_the_results_permission(
    world, client, name, args
):
    _coded(world)
    client.force_login(User.objects.create_user("zonder", is_staff=True))

    reply = client.get(reverse(name, args=args))

    assert reply.status_code == 403
    assert b"Vorming" not in reply.content and reply.content[:2] != b"PK"
