"""Mail flooding: forwards, confirmations and every kind's per-invitation budget."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from responses.answering.answers import Submitted, save_answers, submit_response
from responses.mailing.budgets import REFUSAL_ROUND
from responses.mailing.outbox import queue_mail
from responses.models import (
    CampaignStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Invitation,
    Response,
)
from tests.factories import make_started_response

pytestmark = pytest.mark.django_db

COMPLETE = {
    "rad_signalen": Submitted("neen"),
    "pol_signalen": Submitted("neen"),
    "bel_fte": Submitted(0),
}


def _forward(client, token, i, **extra):
    data = {"name": f"Collega {i}", "email": f"c{i}@gemeente.be", **extra}
    return client.post(f"/b/{token}/doorsturen/", data)


def test_forward_flood_sends_five_per_hour_and_records_the_refusals(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    mayor, token = make_started_response()

    with django_capture_on_commit_callbacks(execute=True):
        replies = [_forward(client, token, i) for i in range(40)]

    assert [r.status_code for r in replies] == [302] * 5 + [429] * 35
    assert sorted(m.to[0] for m in mailoutbox) == [
        f"c{i}@gemeente.be" for i in range(5)
    ]
    assert Invitation.objects.filter(forwarded_by=mayor).count() == 5
    refusal = Delivery.objects.get(invitation=mayor, round=REFUSAL_ROUND)
    assert (refusal.status, refusal.attempts) == (DeliveryStatus.SKIPPED, 35)
    assert "5 per uur" in refusal.last_error
    assert "U stuurde de vragenlijst al vaak door (5 per uur)" in (
        replies[-1].content.decode()
    )


def test_forward_limit_per_campaign_counts_earlier_hours(client, settings):
    settings.FORWARD_LIMIT_PER_HOUR = 100
    settings.FORWARD_LIMIT_PER_CAMPAIGN = 3
    mayor, token = make_started_response()
    for i in range(3):
        _forward(client, token, i)
    Delivery.objects.update(created_at=timezone.now() - timedelta(days=2))

    late = _forward(client, token, 9)

    assert late.status_code == 429
    assert "3 per bevraging" in late.content.decode()
    assert not Invitation.objects.filter(email="c9@gemeente.be").exists()


def test_forwarding_is_refused_once_the_campaign_is_closed(client, mailoutbox):
    mayor, token = make_started_response()
    campaign = mayor.campaign
    campaign.status = CampaignStatus.CLOSED
    campaign.edit_until = timezone.now() + timedelta(days=5)
    campaign.save()

    reply = _forward(client, token, 1)

    assert reply.status_code == 403
    assert "Doorsturen kan niet meer" in reply.content.decode()
    assert Invitation.objects.count() == 1
    assert (Delivery.objects.count(), mailoutbox) == (0, [])


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("message", "Dringend: log in op https://vvsg-login.example/ voor vrijdag"),
        ("message", "Zie www.vvsg-enquete.be"),
        ("message", "Mail uw wachtwoord naar hulp@vvsg-support.com"),
        ("name", "Jan, klik op evil.com/login"),
    ],
)
def test_forward_text_with_a_link_is_refused_in_dutch(client, field, text):
    mayor, token = make_started_response()

    reply = _forward(client, token, 1, **{field: text})

    assert reply.status_code == 200
    assert "Links, webadressen en e-mailadressen zijn hier niet toegestaan" in (
        reply.content.decode()
    )
    assert Invitation.objects.count() == 1


def test_forward_message_is_length_limited(client, settings):
    settings.FORWARD_MESSAGE_MAX_LENGTH = 50
    mayor, token = make_started_response()

    reply = _forward(client, token, 1, message="x" * 51)

    assert "Uw bericht is te lang: hoogstens 50 tekens (nu 51)." in (
        reply.content.decode()
    )
    assert Invitation.objects.count() == 1


def test_forward_message_is_quoted_as_the_forwarders_words(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    mayor, token = make_started_response()

    with django_capture_on_commit_callbacks(execute=True):
        _forward(client, token, 1, message="Kan jij deel 3 doen?\n<b>Dank</b>")

    [mail] = mailoutbox
    assert f"{mayor.name} schreef er dit bij (eigen woorden van uw collega" in mail.body
    assert "> Kan jij deel 3 doen?\n> <b>Dank</b>" in mail.body
    html = mail.alternatives[0][0]
    assert "<blockquote" in html
    assert "Kan jij deel 3 doen?<br>&lt;b&gt;Dank&lt;/b&gt;" in html


def _complete(mayor):
    save_answers(response=mayor.response, invitation=mayor, answers=COMPLETE)


def test_resubmit_without_change_sends_no_second_confirmation(
    mailoutbox, django_capture_on_commit_callbacks
):
    mayor, _ = make_started_response()
    _complete(mayor)

    with django_capture_on_commit_callbacks(execute=True):
        results = [
            submit_response(response=Response.objects.get(), invitation=mayor)
            for _ in range(8)
        ]
        save_answers(
            response=mayor.response,
            invitation=mayor,
            answers={"pol_signalen": Submitted("ja", base_revision=1)},
        )
        changed = submit_response(response=Response.objects.get(), invitation=mayor)

    assert all(r.submitted for r in results) and changed.submitted
    assert [m.to for m in mailoutbox] == [[mayor.email], [mayor.email]]


def test_confirmation_never_goes_to_a_typed_free_address(
    mailoutbox, django_capture_on_commit_callbacks
):
    mayor, _ = make_started_response()
    Response.objects.update(respondent_email="attacker@example.com")
    _complete(mayor)

    with django_capture_on_commit_callbacks(execute=True):
        submit_response(response=Response.objects.get(), invitation=mayor)

    assert [m.to for m in mailoutbox] == [[mayor.email]]
    assert "attacker@example.com" not in str(
        list(Delivery.objects.values_list("email", flat=True))
    )


def test_confirmation_may_go_to_a_colleague_the_link_was_forwarded_to(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    mayor, token = make_started_response()
    _forward(client, token, 1)
    Response.objects.update(respondent_email="C1@gemeente.be")
    _complete(mayor)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        submit_response(response=Response.objects.get(), invitation=mayor)

    assert [m.to for m in mailoutbox] == [["c1@gemeente.be"]]


def test_every_kind_has_a_per_invitation_budget_shown_on_the_campaign_page(
    client, settings, django_user_model, mailoutbox, django_capture_on_commit_callbacks
):
    settings.MAIL_BUDGETS = {**settings.MAIL_BUDGETS, "reminder": 2}
    mayor, _ = make_started_response()
    with django_capture_on_commit_callbacks(execute=True):
        rows = [
            queue_mail(
                campaign=mayor.campaign,
                kind=DeliveryKind.REMINDER,
                email=mayor.email,
                invitation=mayor,
                round=n,
            )
            for n in range(1, 6)
        ]
        again = queue_mail(
            campaign=mayor.campaign,
            kind=DeliveryKind.REMINDER,
            email=mayor.email,
            invitation=mayor,
            round=1,
        )
    staff = django_user_model.objects.create_user("budget", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(staff)

    page = client.get(reverse("responses:show-campaign", args=[mayor.campaign.slug]))

    assert len(mailoutbox) == 2
    assert again.pk == rows[0].pk  # same round: idempotent, not a refusal
    assert rows[2].pk == rows[3].pk == rows[4].pk
    refusal = Delivery.objects.get(pk=rows[4].pk)
    assert (refusal.status, refusal.attempts) == (DeliveryStatus.SKIPPED, 3)
    html = page.content.decode()
    assert 'id="budget-refusals"' in html
    assert (
        "Herinnering: 3 geweigerd, bij 1 uitnodiging "
        "(limiet: 2 per uitnodiging)" in html
    )


@pytest.mark.services
def test_concurrent_submits_send_one_confirmation(
    postgres, transactional_db, mailoutbox
):
    mayor, _ = make_started_response()
    _complete(mayor)
    barrier = threading.Barrier(8)
    errors = []

    def submit():
        try:
            barrier.wait()
            submit_response(response=Response.objects.get(), invitation=mayor)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Delivery.objects.filter(kind=DeliveryKind.CONFIRMATION).count() == 1
    assert [m.to for m in mailoutbox] == [[mayor.email]]
