"""Issue 17: the open answers workbench and what reaches the members."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.db import IntegrityError, transaction
from django.urls import reverse

from responses.models import Answer, OpenAnswerReview, ResponseStatus
from responses.reporting.open_answers import add_code, open_answers, review_answer
from responses.reporting.publishing import publish_results
from surveys.queries import clear_spec_cache, instrument_spec
from tests.responses.reporting.results_world import add_response, build_world

pytestmark = pytest.mark.django_db


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
        {"signalen": "neen", "toelichting": "Meer vorming voor onze jeugddienst"},
    )
    return world


@pytest.fixture
def staff(client):
    user = User.objects.create_user("lezer", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_results"))
    client.force_login(user)
    return user


def question(world, code):
    return instrument_spec(world.current.instrument).question(code)


def test_workbench_shows_cluster_type_never_the_name(world, client, staff):
    url = reverse("responses:open-answers", args=["lb-2026", "toelichting"])

    html = client.get(url).content.decode()
    listing = html.split('id="open-answers"')[1]
    other = client.get(
        reverse("responses:open-answers", args=["lb-2026", "zicht"])
    ).content.decode()

    assert "Meer vorming voor onze jeugddienst" in listing
    assert "&lt;b&gt;hallo&lt;/b&gt;" in listing  # escaped, Maasmechelen's text
    assert "Woongemeenten" in listing and "Gemeenten met economische" in listing
    for name in ("Zoersel", "Maasmechelen", "Antwerpen"):
        assert name not in listing
    assert "Wijkagent" in other and "Hasselt" not in other.split('id="open-answers"')[1]


def test_review_codes_and_quotes_reach_the_member_page(world, client, staff, settings):
    settings.RESULTS_MIN_CELL = 2
    q = question(world, "toelichting")
    answers = {a.text: a for a in open_answers(world.current, q)}
    code = add_code(
        campaign=world.current, question_code="toelichting", label="Vorming"
    )
    url = reverse("responses:review-answer", args=["lb-2026", "toelichting", 0])
    jeugd = answers["Meer vorming voor onze jeugddienst"].answer_id
    hallo = answers["<b>hallo</b>"].answer_id

    client.post(
        url.replace("/0/", f"/{jeugd}/"),
        {"quotable": "on", "codes": [str(code.pk)]},
    )
    # Personal data wins over quotable.
    client.post(
        url.replace("/0/", f"/{hallo}/"),
        {"quotable": "on", "personal_data": "on", "codes": [str(code.pk)]},
    )
    publish_results(campaign=world.current, user=None)
    page = client.get(reverse("responses:member-results", args=["lb-2026"]))
    html = page.content.decode()

    review = OpenAnswerReview.objects.get(answer_id=hallo)
    assert review.personal_data and not review.quotable
    assert review.reviewed_by == staff
    assert "<q>Meer vorming voor onze jeugddienst</q>" in html
    assert "hallo" not in html and "Zoersel" not in html
    assert 'Vorming</th><td class="text-end">2</td>' in html  # k=2: not small
    assert "HYPERLINK" not in html  # Antwerpen's unreviewed text


def test_a_changed_answer_loses_its_review(world):
    q = question(world, "toelichting")
    answer = next(a for a in open_answers(world.current, q) if "jeugd" in a.text)
    review_answer(
        campaign=world.current,
        question=q,
        answer_id=answer.answer_id,
        quotable=True,
        personal_data=False,
        to_code=False,
        code_ids=[],
        user=None,
    )
    Answer.objects.filter(pk=answer.answer_id).update(value="Burgemeester Jansens")

    again = next(
        a for a in open_answers(world.current, q) if a.answer_id == answer.answer_id
    )

    assert again.review is not None and not again.current


def test_quotable_personal_data_is_impossible_in_the_database(world):
    q = question(world, "toelichting")
    answer = open_answers(world.current, q)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        OpenAnswerReview.objects.create(
            answer_id=answer.answer_id,
            text=answer.text,
            quotable=True,
            personal_data=True,
        )


def test_hidden_answers_are_not_listed_and_cannot_be_reviewed(world):
    # R2's stale zicht (signalen=neen) carries no other text; make one hidden.
    r2 = world.responses["R2"]
    Answer.objects.filter(response=r2, question__code="zicht").update(
        other_text="Verborgen tekst"
    )
    q = question(world, "zicht")
    hidden = Answer.objects.get(response=r2, question__code="zicht")

    texts = [a.text for a in open_answers(world.current, q)]

    assert "Verborgen tekst" not in texts
    with pytest.raises(LookupError):
        review_answer(
            campaign=world.current,
            question=q,
            answer_id=hidden.pk,
            quotable=True,
            personal_data=False,
            to_code=False,
            code_ids=[],
            user=None,
        )


def test_workbench_needs_the_results_permission(world, client):
    client.force_login(User.objects.create_user("anders", is_staff=True))
    url = reverse("responses:open-answers", args=["lb-2026", "toelichting"])
    reply = client.get(url)
    assert reply.status_code == 403 and b"jeugddienst" not in reply.content
    assert (
        client.get(reverse("responses:open-questions", args=["lb-2026"])).status_code
        == 403
    )


def test_workbench_shows_progress_and_filters_what_is_still_to_code(
    world, client, staff
):
    q = question(world, "toelichting")
    answers = {a.text: a for a in open_answers(world.current, q)}
    code = add_code(campaign=world.current, question_code="toelichting", label="Jeugd")
    jeugd = answers["Meer vorming voor onze jeugddienst"].answer_id
    url = reverse("responses:open-answers", args=["lb-2026", "toelichting"])
    save = reverse("responses:review-answer", args=["lb-2026", "toelichting", jeugd])

    # Saved from the "still to code" list: back to that list, the answer gone.
    reply = client.post(save, {"codes": [str(code.pk)], "nog": "1"})
    todo = client.get(url + "?nog=1").content.decode()
    # Saved from the full list: back at the answer just saved.
    again = client.post(save, {"codes": [str(code.pk)]})

    assert reply["Location"] == url + "?nog=1"
    assert again["Location"] == f"{url}#a-{jeugd}"
    assert "1 van 3 antwoorden gecodeerd, 2 nog te coderen" in todo
    listing = todo.split('id="open-answers"')[1]
    assert "jeugddienst" not in listing and "&lt;b&gt;hallo&lt;/b&gt;" in listing
    overview = client.get(
        reverse("responses:open-questions", args=["lb-2026"])
    ).content.decode()
    row = overview.split(f'{url}"')[1].split("</tr>")[0]
    assert '<td class="text-end">3</td><td class="text-end">1</td>' in row
    assert f'{url}?nog=1">2</a>' in overview
