from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from municipalities.models import ContactRole
from responses.mailing.campaigns import send_invitations
from responses.mailing.reminders import due_reminders, send_due_reminders
from responses.mailing.sending import send_delivery
from responses.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Invitation,
    InvitationKind,
    ReminderStream,
    ResponseStatus,
)
from tests.factories import (
    make_campaign,
    make_contact,
    make_covering_response,
    make_municipality,
    make_reminder_rule,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(django_capture_on_commit_callbacks):
    """A campaign whose invitations went out just now, to mayors of A, B, C and D."""
    campaign = make_campaign()
    munis = {key: make_municipality(name=f"Gemeente {key}") for key in "ABCD"}
    mayors = {key: make_contact(municipality=m) for key, m in munis.items()}
    with django_capture_on_commit_callbacks(execute=True):
        send_invitations(campaign=campaign)
    mail.outbox.clear()
    return campaign, munis, mayors


def _reminders_sent():
    return sorted((m.to[0], m.subject.split(":")[0]) for m in mail.outbox)


def _run(campaign, now, capture):
    with capture(execute=True):
        return send_due_reminders(campaign=campaign, now=now)


def test_reminders_skip_submitted_not_unsubmitted_and_include_staff(
    invited, django_capture_on_commit_callbacks
):
    campaign, munis, mayors = invited
    make_reminder_rule(campaign=campaign, first_after_days=7, include_staff=True)
    staff = make_contact(municipality=munis["A"], role=ContactRole.STAFF)
    make_covering_response(campaign=campaign, municipalities=[munis["B"]])
    make_covering_response(
        campaign=campaign,
        municipalities=[munis["C"], make_municipality()],
        status=ResponseStatus.STARTED,
        is_coordinator=True,
    )
    now = timezone.now() + timedelta(days=8)

    result = _run(campaign, now, django_capture_on_commit_callbacks)

    # C's response is not submitted, so C is not covered (issue 12); the
    # coordinator variant is in tests/responses/answering/test_claims.py.
    assert result["municipalities"] == 3  # A, C and D
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [mayors["A"].email, staff.email, mayors["C"].email, mayors["D"].email]
    )
    staff_invitation = Invitation.objects.get(email=staff.email)
    assert staff_invitation.kind == InvitationKind.STAFF
    assert (
        staff_invitation.token_hash
        != Invitation.objects.get(email=mayors["A"].email).token_hash
    )
    # The staff contact was never invited: the first mail is an invitation.
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert not subjects.pop(staff.email).startswith("Herinnering")
    assert all(subject.startswith("Herinnering") for subject in subjects.values())
    assert Delivery.objects.get(email=staff.email).kind == DeliveryKind.INVITATION


def test_reminders_without_staff_when_rule_excludes_them(
    invited, django_capture_on_commit_callbacks
):
    campaign, munis, mayors = invited
    make_reminder_rule(campaign=campaign, first_after_days=7, include_staff=False)
    make_contact(municipality=munis["A"], role=ContactRole.STAFF)

    _run(
        campaign, timezone.now() + timedelta(days=8), django_capture_on_commit_callbacks
    )

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        c.email for c in mayors.values()
    )


def test_reminders_respect_first_after_min_between_interval_and_max_count(
    invited, django_capture_on_commit_callbacks
):
    campaign, munis, mayors = invited
    make_reminder_rule(
        campaign=campaign,
        first_after_days=7,
        interval_days=7,
        min_days_between=5,
        max_count=2,
    )
    start = timezone.now()
    days = [6, 8, 10, 14, 16, 30]

    counts = []
    for day in days:
        mail.outbox.clear()
        _run(campaign, start + timedelta(days=day), django_capture_on_commit_callbacks)
        counts.append(len(mail.outbox))

    assert counts == [0, 4, 0, 0, 4, 0]
    rounds = sorted(
        set(
            Delivery.objects.filter(kind=DeliveryKind.REMINDER).values_list(
                "round", flat=True
            )
        )
    )
    assert rounds == [1, 2]


def test_partial_stream_uses_its_own_rule_and_template(
    invited, django_capture_on_commit_callbacks
):
    campaign, munis, mayors = invited
    make_reminder_rule(
        campaign=campaign, stream=ReminderStream.NOT_STARTED, active=False
    )
    make_reminder_rule(
        campaign=campaign, stream=ReminderStream.PARTIAL, first_after_days=3
    )
    make_covering_response(
        campaign=campaign, municipalities=[munis["D"]], status=ResponseStatus.PARTIAL
    )

    _run(
        campaign, timezone.now() + timedelta(days=4), django_capture_on_commit_callbacks
    )

    assert [m.to[0] for m in mail.outbox] == [mayors["D"].email]
    assert "rond de vragenlijst" in mail.outbox[0].subject
    assert (
        Delivery.objects.get(kind=DeliveryKind.REMINDER).stream
        == ReminderStream.PARTIAL
    )


def test_fixed_dates_send_one_reminder_per_passed_date(
    invited, django_capture_on_commit_callbacks
):
    campaign, munis, mayors = invited
    today = timezone.localdate()
    make_reminder_rule(
        campaign=campaign,
        first_after_days=0,
        min_days_between=1,
        send_on=[str(today + timedelta(days=2)), str(today + timedelta(days=5))],
    )
    start = timezone.now()

    counts = []
    for day in (1, 2, 3, 5, 6):
        mail.outbox.clear()
        _run(campaign, start + timedelta(days=day), django_capture_on_commit_callbacks)
        counts.append(len(mail.outbox))

    assert counts == [0, 4, 0, 4, 0]


def test_reminder_is_skipped_at_send_time_when_covered_meanwhile(invited):
    campaign, munis, mayors = invited
    make_reminder_rule(campaign=campaign, first_after_days=7)
    send_due_reminders(campaign=campaign, now=timezone.now() + timedelta(days=8))
    make_covering_response(campaign=campaign, municipalities=[munis["A"]])
    delivery = Delivery.objects.get(kind=DeliveryKind.REMINDER, email=mayors["A"].email)

    outcome = send_delivery(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome.status == "skipped"
    assert delivery.status == DeliveryStatus.SKIPPED
    assert mail.outbox == []


def test_double_tick_queues_each_reminder_once(
    invited, django_capture_on_commit_callbacks
):
    campaign, munis, mayors = invited
    make_reminder_rule(campaign=campaign, first_after_days=7, min_days_between=0)
    now = timezone.now() + timedelta(days=8)

    _run(campaign, now, django_capture_on_commit_callbacks)
    _run(campaign, now, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 4
    assert Delivery.objects.filter(kind=DeliveryKind.REMINDER).count() == 4


def test_due_reminders_ignore_municipalities_never_invited(
    django_capture_on_commit_callbacks,
):
    campaign = make_campaign()
    make_contact()
    make_reminder_rule(campaign=campaign, first_after_days=0)

    due = due_reminders(campaign=campaign, now=timezone.now() + timedelta(days=1))

    assert due == []


def test_send_reminders_command_dry_run_writes_nothing(invited, capsys):
    campaign, munis, mayors = invited
    make_reminder_rule(campaign=campaign, first_after_days=0)

    call_command("send_reminders", "--campaign", campaign.slug, "--dry-run")

    out = capsys.readouterr().out
    assert "Gemeente A" in out and "4" in out
    assert Delivery.objects.filter(kind=DeliveryKind.REMINDER).count() == 0


def test_send_reminders_command_queues_and_sends(
    invited, django_capture_on_commit_callbacks
):
    campaign, munis, mayors = invited
    make_reminder_rule(campaign=campaign, first_after_days=0)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        c.email for c in mayors.values()
    )
