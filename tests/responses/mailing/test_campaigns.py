from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from municipalities.models import Contact, ContactRole
from responses.mailing.campaigns import (
    create_invitations,
    open_campaign,
    pause_campaign,
    recover_deliveries,
    resume_campaign,
    retry_delivery,
    send_invitations,
    send_test_mail,
)
from responses.mailing.sending import RetryLater, send_delivery
from responses.models import (
    CampaignStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Invitation,
)
from tests.factories import make_campaign, make_contact, make_municipality

pytestmark = pytest.mark.django_db


def _mayors(n):
    return [make_contact(municipality=make_municipality()) for _ in range(n)]


def test_create_invitations_targets_deliverable_mayors_of_current_municipalities():
    campaign = make_campaign()
    good = make_contact()
    make_contact(municipality=good.municipality, role=ContactRole.STAFF)
    make_contact(active=False)
    make_contact(email_bad=True)
    make_contact(municipality=make_municipality(valid_to=date(2024, 12, 31)))

    created = create_invitations(campaign=campaign)
    again = create_invitations(campaign=campaign)

    assert (created, again) == (1, 0)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.municipality) == (
        good.email,
        good.municipality,
    )
    assert invitation.token_nonce and len(invitation.token_hash) == 64


def test_send_invitations_sends_each_mayor_once_across_runs(
    django_capture_on_commit_callbacks,
):
    campaign = make_campaign()
    mayors = _mayors(3)

    with django_capture_on_commit_callbacks(execute=True):
        send_invitations(campaign=campaign)
    with django_capture_on_commit_callbacks(execute=True):
        send_invitations(campaign=campaign)

    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in mayors)
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 3


def test_send_invitations_does_nothing_before_the_campaign_opens(
    django_capture_on_commit_callbacks,
):
    campaign = make_campaign(status=CampaignStatus.DRAFT)
    _mayors(2)

    with django_capture_on_commit_callbacks(execute=True):
        queued = send_invitations(campaign=campaign)

    assert (queued, len(mail.outbox), Delivery.objects.count()) == (0, 0, 0)


def test_pause_keeps_rows_pending_and_resume_sends_them(
    django_capture_on_commit_callbacks,
):
    campaign = make_campaign()
    _mayors(2)
    pause_campaign(campaign=campaign)
    campaign.status = CampaignStatus.OPEN  # queue as if paused right after queueing
    with django_capture_on_commit_callbacks(execute=True):
        send_invitations(campaign=campaign)
    campaign.refresh_from_db()
    assert len(mail.outbox) == 0
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        resumed = resume_campaign(campaign=campaign)

    assert resumed == 2
    assert len(mail.outbox) == 2
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2


def test_open_campaign_locks_its_instrument():
    campaign = make_campaign(status=CampaignStatus.DRAFT)
    now = timezone.now()

    open_campaign(campaign=campaign, now=now)

    campaign.refresh_from_db()
    campaign.instrument.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN
    assert campaign.instrument.locked_at is not None


def test_send_test_mail_renders_sample_recipient(django_capture_on_commit_callbacks):
    campaign = make_campaign(status=CampaignStatus.DRAFT, name="Golf 2026")

    with django_capture_on_commit_callbacks(execute=True):
        delivery = send_test_mail(campaign=campaign, email="staff@vvsg.test")

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert mail.outbox[0].to == ["staff@vvsg.test"]
    assert "Voorbeeldgemeente" in mail.outbox[0].subject
    assert "Golf 2026" in mail.outbox[0].body


@pytest.mark.services
def test_permanent_refusal_fails_delivery_marks_contact_bad_and_batch_goes_on(
    smtp_sink, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    bad, good = _mayors(2)
    smtp_sink.refuse[bad.email] = (550, "5.1.1 no such user")

    with django_capture_on_commit_callbacks(execute=True):
        send_invitations(campaign=campaign)

    failed = Delivery.objects.get(email=bad.email)
    assert failed.status == DeliveryStatus.FAILED
    assert "550" in failed.last_error
    bad.refresh_from_db()
    assert bad.email_bad is True and "no such user" in bad.email_bad_reason
    assert Delivery.objects.get(email=good.email).status == DeliveryStatus.SENT
    assert smtp_sink.recipients() == [good.email]


@pytest.mark.services
def test_temporary_failure_backs_off_then_sends(smtp_sink, settings):
    settings.MAIL_RETRY_BASE_SECONDS = 60
    campaign = make_campaign()
    (mayor,) = _mayors(1)
    send_invitations(campaign=campaign)  # outside on-commit capture: rows only
    delivery = Delivery.objects.get()
    smtp_sink.refuse[mayor.email] = (451, "4.3.0 try again later")
    now = timezone.now()

    with pytest.raises(RetryLater) as retry:
        send_delivery(delivery_id=delivery.pk, now=now)
    delivery.refresh_from_db()
    early = send_delivery(delivery_id=delivery.pk, now=now + timedelta(seconds=30))
    del smtp_sink.refuse[mayor.email]
    later = send_delivery(delivery_id=delivery.pk, now=now + timedelta(seconds=61))

    assert retry.value.countdown == 60
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.not_before == now + timedelta(seconds=60)
    assert "451" in delivery.last_error
    assert (early.status, later.status) == ("not-due", "sent")
    assert smtp_sink.recipients() == [mayor.email]
    mayor.refresh_from_db()
    assert mayor.email_bad is False


@pytest.mark.services
def test_temporary_failure_gives_up_after_max_attempts(smtp_sink, settings):
    settings.MAIL_MAX_ATTEMPTS = 3
    campaign = make_campaign()
    (mayor,) = _mayors(1)
    send_invitations(campaign=campaign)
    delivery = Delivery.objects.get()
    smtp_sink.refuse[mayor.email] = (421, "4.7.0 busy")
    now = timezone.now()

    outcomes = []
    for hour in range(4):
        try:
            outcomes.append(
                send_delivery(
                    delivery_id=delivery.pk, now=now + timedelta(hours=hour)
                ).status
            )
        except RetryLater:
            outcomes.append("retry")

    delivery.refresh_from_db()
    assert outcomes == ["retry", "retry", "failed", "not-pending"]
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 3
    assert smtp_sink.recipients() == []


def test_retry_delivery_puts_a_failed_row_back_and_sends(
    django_capture_on_commit_callbacks,
):
    campaign = make_campaign()
    (mayor,) = _mayors(1)
    Contact.objects.filter(pk=mayor.pk).update(email_bad=True, email_bad_reason="550")
    create_invitations(campaign=campaign)  # none: mayor is bad
    Contact.objects.filter(pk=mayor.pk).update(email_bad=False)
    send_invitations(campaign=campaign)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, last_error="550 no such user"
    )

    with django_capture_on_commit_callbacks(execute=True):
        retried = retry_delivery(delivery=delivery)

    delivery.refresh_from_db()
    assert retried is True
    assert delivery.status == DeliveryStatus.SENT
    assert [m.to for m in mail.outbox] == [[mayor.email]]


def test_recover_deliveries_resends_a_stale_claim_once(
    django_capture_on_commit_callbacks, settings
):
    campaign = make_campaign()
    _mayors(2)
    send_invitations(campaign=campaign)
    stale, waiting = Delivery.objects.order_by("pk")
    now = timezone.now()
    Delivery.objects.filter(pk=stale.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=now - timedelta(hours=1)
    )
    later = now + timedelta(seconds=settings.MAIL_REQUEUE_AFTER_SECONDS + 1)

    with django_capture_on_commit_callbacks(execute=True):
        first = recover_deliveries(now=later)
    with django_capture_on_commit_callbacks(execute=True):
        second = recover_deliveries(now=later)

    assert first == {"reclaimed": 1, "uncertain": 0, "requeued": 2}
    assert second == {"reclaimed": 0, "uncertain": 0, "requeued": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([stale.email, waiting.email])
    assert set(Delivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.SENT
    }


def test_fresh_claim_is_not_recovered(settings):
    campaign = make_campaign()
    _mayors(1)
    send_invitations(campaign=campaign)
    now = timezone.now()
    Delivery.objects.update(status=DeliveryStatus.SENDING, claimed_at=now)

    result = recover_deliveries(now=now + timedelta(seconds=60))

    assert result == {"reclaimed": 0, "uncertain": 0, "requeued": 0}
    assert Delivery.objects.get().status == DeliveryStatus.SENDING


def test_delivery_for_revoked_invitation_is_skipped(django_capture_on_commit_callbacks):
    campaign = make_campaign()
    _mayors(1)
    send_invitations(campaign=campaign)
    Invitation.objects.update(revoked_at=timezone.now())

    outcome = send_delivery(delivery_id=Delivery.objects.get().pk)

    assert outcome.status == "skipped"
    assert Delivery.objects.get().status == DeliveryStatus.SKIPPED
    assert mail.outbox == []
    assert Delivery.objects.get().kind == DeliveryKind.INVITATION
