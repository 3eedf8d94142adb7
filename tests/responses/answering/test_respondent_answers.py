"""Question pages, autosave, review and submit through the Django test client."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from responses.models import Answer, AnswerRevision, Response, ResponseStatus
from tests.factories import make_invitation, make_started_response

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _values(response) -> dict:
    return dict(
        Answer.objects.filter(response=response).values_list("question__code", "value")
    )


def _autosave(client, token, section, code, data):
    return client.post(
        f"/b/{token}/vragen/{section}/opslaan/",
        {"_question": code, **data},
        HTTP_HX_REQUEST="true",
    )


def test_section_page_renders_accessible_groups(client):
    mayor, token = make_started_response()

    html = client.get(f"/b/{token}/vragen/radicalisering/").content.decode()

    assert (
        '<legend class="question-text"><span class="question-number">1.</span>' in html
    )
    assert 'type="radio" name="q-rad_signalen"' in html
    assert 'class="matrix-row" data-row="extreemrechts"' in html
    assert 'data-question="rad_vormen" hidden' in html  # branch not taken yet
    assert "data-exclusive" in html
    assert 'data-hx-post="/b/' in html
    assert "Volgende" in html and "Opslaan en later verder" in html


def test_next_saves_page_and_goes_to_next_visible_section(client):
    mayor, token = make_started_response()

    page = client.post(
        f"/b/{token}/vragen/radicalisering/",
        {"q-rad_signalen": "neen", "q-rad_vormen": ["extreemrechts"], "action": "next"},
    )

    mayor.response.refresh_from_db()
    assert page.headers["Location"] == f"/b/{token}/vragen/polarisatie/"
    assert _values(mayor.response) == {"rad_signalen": "neen"}  # hidden answer ignored
    assert mayor.response.status == ResponseStatus.PARTIAL
    assert mayor.response.current_section == "polarisatie"


def test_next_without_js_stays_when_follow_up_questions_appear(client):
    mayor, token = make_started_response()

    page = client.post(
        f"/b/{token}/vragen/radicalisering/",
        {"q-rad_signalen": "ja_stijging", "action": "next"},
        follow=True,
    )

    html = page.content.decode()
    assert page.redirect_chain[-1][0].endswith("/vragen/radicalisering/#q-rad_dreiging")
    assert "bijkomende vragen" in html
    assert 'data-question="rad_vormen" hidden' not in html


def test_next_shows_follow_ups_the_screen_did_not_show_yet(client):
    # The autosave of "ja" landed before "Volgende" was pressed, but the page had
    # not shown its follow-ups yet: they count as appeared, not as open.
    mayor, token = make_started_response()
    _autosave(
        client,
        token,
        "radicalisering",
        "rad_signalen",
        {"q-rad_signalen": "ja_stijging"},
    )

    page = client.post(
        f"/b/{token}/vragen/radicalisering/",
        {"q-rad_signalen": "ja_stijging", "action": "next", "_shown": "rad_signalen"},
    )
    seen = client.post(
        f"/b/{token}/vragen/radicalisering/",
        {
            "q-rad_signalen": "ja_stijging",
            "action": "next",
            "_shown": "rad_signalen,rad_vormen,rad_dreiging",
        },
    )

    assert page.headers["Location"].endswith("/vragen/radicalisering/#q-rad_dreiging")
    assert seen.headers["Location"].endswith("?controle=1#page-check")
    assert _values(mayor.response)["rad_signalen"] == "ja_stijging"


def test_unknown_option_code_is_refused_with_error_summary(client):
    mayor, token = make_started_response()

    page = client.post(
        f"/b/{token}/vragen/radicalisering/",
        {"q-rad_signalen": "misschien", "action": "next"},
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="error-summary"' in html
    assert 'href="#q-rad_signalen"' in html
    assert "misschien" in html and "bestaat niet" in html
    assert 'aria-invalid="true"' in html
    assert Answer.objects.count() == 0


def test_unknown_matrix_row_and_foreign_field_are_refused(client):
    mayor, token = make_started_response()
    client.post(
        f"/b/{token}/vragen/radicalisering/",
        {"q-rad_signalen": "ja_gelijk", "action": "stay"},
    )

    page = client.post(
        f"/b/{token}/vragen/radicalisering/",
        {
            "q-rad_signalen": "ja_gelijk",
            "q-rad_dreiging-r-hacked": "hoog",
            "q-andere_lijst": "x",
            "action": "next",
        },
    )

    html = page.content.decode()
    assert "Onbekende rij: hacked." in html
    assert "Onbekend veld in het formulier: q-andere_lijst." in html
    assert _values(mayor.response) == {"rad_signalen": "ja_gelijk"}


def test_huge_text_gets_dutch_error_and_nothing_stored(client):
    mayor, token = make_started_response()

    page = client.post(
        f"/b/{token}/vragen/polarisatie/",
        {"q-pol_signalen": "ja", "q-pol_toelichting": "x" * 5000, "action": "next"},
    )

    html = page.content.decode()
    assert "Uw antwoord is te lang: hoogstens 200 tekens (nu 5000)." in html
    assert "pol_toelichting" not in _values(mayor.response)
    # The other, valid question on the page was saved.
    assert _values(mayor.response) == {"pol_signalen": "ja"}


def test_malformed_number_is_refused(client):
    mayor, token = make_started_response()

    page = _autosave(client, token, "beleid", "bel_fte", {"q-bel_fte": "twee"})

    assert "Vul een getal in" in page.content.decode()
    assert json.loads(page.headers["HX-Trigger"])["surveyVisibility"]["invalid"] is True
    assert Answer.objects.count() == 0


def test_autosave_saves_one_question_and_reports_visibility(client):
    mayor, token = make_started_response()

    reply = _autosave(
        client,
        token,
        "radicalisering",
        "rad_signalen",
        {
            "q-rad_signalen": "ja_stijging",
            "q-rad_signalen-rev": "0",
            "q-rad_dreiging-r-extreemrechts": "hoog",
        },
    )

    events = json.loads(reply.headers["HX-Trigger"])
    trigger, saved = events["surveyVisibility"], events["surveySaved"]
    # No fragment: the page applies the new revision, status line and progress.
    assert (reply.status_code, reply.content) == (204, b"")
    assert saved["question"] == "rad_signalen" and saved["revision"] == 1
    assert saved["status"].startswith("Opgeslagen om ")
    assert saved["progress"]["label"] == f"Voortgang: {saved['progress']['percent']}%"
    assert trigger["visible"] == ["rad_dreiging", "rad_signalen", "rad_vormen"]
    assert trigger["rows"] == {"rad_dreiging": ["extreemrechts", "extreemlinks"]}
    # Only the triggering question is saved, even though the whole form was posted.
    assert _values(mayor.response) == {"rad_signalen": "ja_stijging"}


def test_autosave_neen_hides_follow_up_questions(client):
    mayor, token = make_started_response()

    reply = _autosave(
        client, token, "radicalisering", "rad_signalen", {"q-rad_signalen": "neen"}
    )

    assert json.loads(reply.headers["HX-Trigger"])["surveyVisibility"]["visible"] == [
        "rad_signalen"
    ]


def test_autosave_of_hidden_question_is_not_stored(client):
    mayor, token = make_started_response()
    _autosave(
        client, token, "radicalisering", "rad_signalen", {"q-rad_signalen": "neen"}
    )

    reply = _autosave(
        client,
        token,
        "radicalisering",
        "rad_vormen",
        {"q-rad_vormen": ["extreemrechts"]},
    )

    assert "niet van toepassing" in reply.content.decode()
    assert _values(mayor.response) == {"rad_signalen": "neen"}


def test_autosave_question_of_other_section_is_refused(client):
    mayor, token = make_started_response()

    reply = _autosave(client, token, "radicalisering", "bel_fte", {"q-bel_fte": "3"})

    assert reply.status_code == 400
    assert Answer.objects.count() == 0


def test_exclusive_option_with_others_is_refused(client):
    mayor, token = make_started_response()
    _autosave(
        client, token, "radicalisering", "rad_signalen", {"q-rad_signalen": "ja_daling"}
    )

    reply = _autosave(
        client,
        token,
        "radicalisering",
        "rad_vormen",
        {"q-rad_vormen": ["weet_niet", "extreemlinks"]},
    )

    assert "kan niet samen met een ander antwoord" in reply.content.decode()
    assert "rad_vormen" not in _values(mayor.response)


def test_two_editors_conflict_is_shown_on_that_question(client):
    mayor, token = make_started_response()
    colleague = make_invitation(
        campaign=mayor.campaign,
        municipality=mayor.municipality,
        kind="forward",
        response=mayor.response,
        forwarded_by=mayor,
        name="Sam Collega",
    )
    from responses.mailing.tokens import raw_token_for

    colleague_token = raw_token_for(colleague)
    _autosave(
        client,
        token,
        "polarisatie",
        "pol_toelichting",
        {"q-pol_toelichting": "eerste", "q-pol_toelichting-rev": "0"},
    )
    _autosave(
        client,
        colleague_token,
        "polarisatie",
        "pol_toelichting",
        {"q-pol_toelichting": "van Sam", "q-pol_toelichting-rev": "1"},
    )

    # The mayor's tab still holds revision 1.
    stale = _autosave(
        client,
        token,
        "polarisatie",
        "pol_toelichting",
        {"q-pol_toelichting": "van de burgemeester", "q-pol_toelichting-rev": "1"},
    )
    other = _autosave(
        client,
        token,
        "polarisatie",
        "pol_signalen",
        {"q-pol_signalen": "ja", "q-pol_signalen-rev": "0"},
    )

    html = stale.content.decode()
    assert "Deze vraag werd intussen gewijzigd door Sam Collega om" in html
    assert "van Sam" in html
    assert "Kies welke versie u wil bewaren." in html
    assert 'id="rev-pol_toelichting" value="2"' in html
    assert (
        "Opgeslagen om"
        in json.loads(other.headers["HX-Trigger"])["surveySaved"]["status"]
    )
    answer = Answer.objects.get(question__code="pol_toelichting")
    assert (answer.value, answer.answered_by) == ("van Sam", colleague)
    assert list(
        AnswerRevision.objects.filter(answer=answer).values_list(
            "answered_by", flat=True
        )
    ) == [mayor.pk, colleague.pk]


def test_review_lists_missing_required_with_links_and_refuses_submit(client):
    mayor, token = make_started_response()
    _autosave(
        client, token, "radicalisering", "rad_signalen", {"q-rad_signalen": "neen"}
    )

    review = client.get(f"/b/{token}/overzicht/").content.decode()
    submit = client.post(f"/b/{token}/indienen/")

    html = submit.content.decode()
    assert "Neen" in review and "Wijzigen" in review
    assert f'href="/b/{token}/vragen/polarisatie/#q-pol_signalen"' in review
    assert 'id="error-summary"' in html
    assert f'href="/b/{token}/vragen/beleid/#q-bel_fte"' in html
    assert Response.objects.get().status == ResponseStatus.PARTIAL


def test_full_submit_shows_confirmation_and_mails_copy(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    mayor, token = make_started_response()
    posts = [
        ("radicalisering", {"q-rad_signalen": "neen"}),
        (
            "polarisatie",
            {"q-pol_signalen": "ja", "q-pol_toelichting": "Vooral online."},
        ),
        ("beleid", {"q-bel_fte": "2"}),
    ]
    for section, data in posts:
        client.post(f"/b/{token}/vragen/{section}/", {**data, "action": "next"})

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/b/{token}/indienen/", follow=True)

    assert done.redirect_chain[-1][0] == f"/b/{token}/bedankt/"
    assert "Bedankt voor uw antwoorden!" in done.content.decode()
    assert Response.objects.get().status == ResponseStatus.SUBMITTED
    [mail] = mailoutbox
    # Short confirmation (issue 19) linking to the copy on the review page.
    assert f"/b/{token}/overzicht/" in mail.body
    assert "Vooral online." not in mail.body
    review = client.get(f"/b/{token}/overzicht/").content.decode()
    assert "Vooral online." in review


def test_after_edit_deadline_pages_are_read_only(client):
    mayor, token = make_started_response()
    _autosave(client, token, "polarisatie", "pol_signalen", {"q-pol_signalen": "ja"})
    campaign = mayor.campaign
    campaign.opens_at = timezone.now() - timedelta(days=50)
    campaign.closes_at = timezone.now() - timedelta(days=1)
    campaign.save()

    page = client.get(f"/b/{token}/vragen/polarisatie/").content.decode()
    post = client.post(
        f"/b/{token}/vragen/polarisatie/", {"q-pol_signalen": "neen", "action": "next"}
    )
    save = _autosave(
        client, token, "polarisatie", "pol_signalen", {"q-pol_signalen": "neen"}
    )

    assert "De termijn om te wijzigen is verstreken" in page
    assert "disabled" in page
    assert post.status_code == 200
    assert save.status_code == 403
    assert _values(mayor.response) == {"pol_signalen": "ja"}


def test_page_conflict_keeps_my_version_on_second_save(client):
    mayor, token = make_started_response()
    colleague = make_invitation(
        campaign=mayor.campaign,
        municipality=mayor.municipality,
        kind="forward",
        response=mayor.response,
        forwarded_by=mayor,
        name="Sam Collega",
    )
    from responses.mailing.tokens import raw_token_for

    _autosave(
        client,
        token,
        "polarisatie",
        "pol_toelichting",
        {"q-pol_toelichting": "eerste", "q-pol_toelichting-rev": "0"},
    )
    _autosave(
        client,
        raw_token_for(colleague),
        "polarisatie",
        "pol_toelichting",
        {"q-pol_toelichting": "van Sam", "q-pol_toelichting-rev": "1"},
    )

    page = client.post(
        f"/b/{token}/vragen/polarisatie/",
        {
            "q-pol_toelichting": "mijn versie",
            "q-pol_toelichting-rev": "1",
            "action": "next",
        },
    )
    html = page.content.decode()
    kept = client.post(
        f"/b/{token}/vragen/polarisatie/",
        {
            "q-pol_toelichting": "mijn versie",
            "q-pol_toelichting-rev": "2",
            "action": "stay",
        },
    )

    assert "Deze vraag werd intussen gewijzigd door Sam Collega" in html
    assert 'href="#q-pol_toelichting"' in html  # error summary entry
    assert 'id="rev-pol_toelichting" value="2"' in html
    assert "mijn versie" in html and "van Sam" in html
    assert kept.headers["Location"] == f"/b/{token}/vragen/polarisatie/"
    answer = Answer.objects.get(question__code="pol_toelichting")
    assert (answer.value, answer.revision, answer.answered_by) == (
        "mijn versie",
        3,
        mayor,
    )


def test_confirmation_mail_html_links_to_the_answers(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    mayor, token = make_started_response()
    for section, data in [
        ("radicalisering", {"q-rad_signalen": "neen"}),
        ("polarisatie", {"q-pol_signalen": "neen"}),
        ("beleid", {"q-bel_fte": "0", "q-bel_opmerkingen": "<b>vet</b>"}),
    ]:
        client.post(f"/b/{token}/vragen/{section}/", {**data, "action": "next"})

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/b/{token}/indienen/")

    [mail] = mailoutbox
    html = mail.alternatives[0][0]
    assert html.startswith("<!DOCTYPE html>")
    assert f'/b/{token}/overzicht/"' in html  # links to the copy of the answers
    assert "<b>vet</b>" not in html
    assert f"/b/{token}/" in mail.body  # the personal link to edit again


def test_section_without_visible_questions_is_skipped(client):
    from responses.answering.answers import Submitted, save_answers

    mayor, token = make_started_response()
    # Make the whole 'radicalisering' page inapplicable is impossible (its first
    # question is unconditional), so hide the only follow-up page instead.
    instrument = mayor.campaign.instrument
    instrument.questions.filter(section__code="beleid").update(
        condition={"q": "pol_signalen", "in": ["ja"]}
    )
    instrument.source_sha256 = "changed-" + instrument.source_sha256[8:]
    instrument.save()
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_signalen": Submitted("neen")},
    )

    page = client.get(f"/b/{token}/vragen/beleid/")

    assert page.headers["Location"] == f"/b/{token}/overzicht/"


def test_reopen_after_submit_goes_to_first_section_and_keeps_status(
    client, django_capture_on_commit_callbacks
):
    mayor, token = make_started_response()
    for section, data in [
        ("radicalisering", {"q-rad_signalen": "neen"}),
        ("polarisatie", {"q-pol_signalen": "neen"}),
        ("beleid", {"q-bel_fte": "1"}),
    ]:
        client.post(f"/b/{token}/vragen/{section}/", {**data, "action": "next"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/b/{token}/indienen/")

    reopened = client.post(f"/b/{token}/wijzigen/")
    landing = client.get(f"/b/{token}/").content.decode()

    assert reopened.headers["Location"] == f"/b/{token}/vragen/radicalisering/"
    assert Response.objects.get().status == ResponseStatus.SUBMITTED
    assert "Deze vragenlijst werd ingediend op" in landing


def test_confirmation_page_before_submit_redirects_to_review(client):
    mayor, token = make_started_response()

    page = client.get(f"/b/{token}/bedankt/")

    assert page.headers["Location"] == f"/b/{token}/overzicht/"
