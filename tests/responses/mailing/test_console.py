"""Fieldwork console: reminders with preview and confirmation, subsets, no-broker."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from municipalities.models import ContactRole
from responses.mailing.campaigns import send_invitations
from responses.mailing.reminders import add_default_reminder_rules, upcoming_reminders
from responses.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    ReminderStream,
    ResponseStatus,
)
from tests.factories import (
    make_campaign,
    make_cluster,
    make_contact,
    make_covering_response,
    make_municipality,
    make_province,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sender(client):
    user = User.objects.create_user("staff", "staff@vvsg.test", "pw", is_staff=True)
    for codename in ("view_campaign", "send_mailings"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return user


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Four municipalities: 0 submitted, 1 partial, 2 and 3 not started.

    Every one has a mayor (invited) and a staff contact (never invited).
    """
    campaign = make_campaign(slug="golf")
    antwerpen = make_province(nis_code="10000", name="Antwerpen")
    limburg = make_province(nis_code="70000", name="Limburg")
    woon, kust = make_cluster(type="woon"), make_cluster(type="kust")
    munis, mayors, staff = [], [], []
    for i in range(4):
        muni = make_municipality(
            name=f"Gemeente {i}",
            province=antwerpen if i < 3 else limburg,
            cluster=kust if i == 2 else woon,
        )
        munis.append(muni)
        mayors.append(make_contact(municipality=muni, name=f"Burgemeester {i}"))
        staff.append(
            make_contact(
                municipality=muni, role=ContactRole.STAFF, name=f"Medewerker {i}"
            )
        )
    with django_capture_on_commit_callbacks(execute=True):
        send_invitations(campaign=campaign)
    make_covering_response(campaign=campaign, municipalities=[munis[0]])
    make_covering_response(
        campaign=campaign, municipalities=[munis[1]], status=ResponseStatus.PARTIAL
    )
    mail.outbox.clear()
    return campaign, munis, mayors, staff


def _preview(client, campaign, **data):
    data = {"preview": "1", "progress": "open", **data}
    url = reverse("responses:prepare-reminders", args=[campaign.slug])
    return client.get(url, data)


def test_preview_counts_per_audience_lists_recipients_and_renders_a_mail(
    client, sender, world
):
    campaign, munis, mayors, staff = world

    response = _preview(client, campaign, audiences=["mayors", "staff"])

    plan = response.context["plan"]
    counts = {row["audience"]: row for row in plan.counts()}
    assert (counts["mayors"]["reminders"], counts["mayors"]["invitations"]) == (3, 0)
    assert (counts["staff"]["reminders"], counts["staff"]["invitations"]) == (0, 3)
    assert sorted(r.email for r in plan.recipients) == sorted(
        [c.email for c in mayors[1:]] + [c.email for c in staff[1:]]
    )
    html = response.content.decode()
    assert "Ja, verstuur 6 mails" in html
    assert response.context["mail"]["subject"].startswith("Herinnering")
    assert "Burgemeester 1" in response.context["mail"]["text"]
    assert Delivery.objects.filter(kind=DeliveryKind.REMINDER).count() == 0
    assert mail.outbox == []


def test_confirm_sends_reminders_and_an_invitation_to_the_never_invited(
    client, sender, world, django_capture_on_commit_callbacks
):
    campaign, munis, mayors, staff = world
    preview = _preview(client, campaign, audiences=["mayors", "staff"])
    confirm = preview.context["confirm_form"]
    data = {name: field.value() for name, field in ((f.name, f) for f in confirm)}
    data = {k: v for k, v in data.items() if v not in (None, [], "")}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("responses:send-reminders", args=[campaign.slug]), data)

    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert len(subjects) == 6
    assert all(subjects[c.email].startswith("Herinnering") for c in mayors[1:])
    assert not any(subjects[c.email].startswith("Herinnering") for c in staff[1:])
    assert mayors[0].email not in subjects and staff[0].email not in subjects


def test_subsets_partial_province_cluster_and_hand_picked(client, sender, world):
    campaign, munis, mayors, _ = world

    def emails(**data):
        response = _preview(client, campaign, audiences=["mayors"], **data)
        return sorted(r.email for r in response.context["plan"].recipients)

    assert emails(progress="partial") == [mayors[1].email]
    assert emails(progress="not_started") == sorted([mayors[2].email, mayors[3].email])
    assert emails(provinces=[munis[3].province_id]) == [mayors[3].email]
    assert emails(cluster_types=["kust"]) == [mayors[2].email]
    assert emails(municipalities=[munis[1].pk, munis[3].pk]) == sorted(
        [mayors[1].email, mayors[3].email]
    )


def test_confirm_with_a_changed_count_shows_the_new_preview_and_sends_nothing(
    client, sender, world, django_capture_on_commit_callbacks
):
    campaign, munis, _, _ = world

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("responses:send-reminders", args=[campaign.slug]),
            {"audiences": ["mayors"], "progress": "open", "expected_total": 7},
        )

    assert "intussen veranderd (7 → 3)" in response.content.decode()
    assert response.context["plan"].total == 3
    assert mail.outbox == []
    assert not Delivery.objects.filter(kind=DeliveryKind.REMINDER).exists()


def test_without_a_broker_staff_sends_are_refused_and_nothing_is_queued(
    client, sender, settings, django_capture_on_commit_callbacks
):
    settings.MAIL_QUEUE_READY = False
    campaign = make_campaign(slug="zonder-broker")
    make_contact(municipality=make_municipality())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("responses:send-invitations", args=[campaign.slug]), follow=True
        )

    assert "geen wachtrij voor e-mail" in response.content.decode()
    assert Delivery.objects.count() == 0
    assert mail.outbox == []


def test_pause_holds_queued_mail_until_resumed(
    client, sender, django_capture_on_commit_callbacks
):
    campaign = make_campaign(slug="pauze")
    mayor = make_contact(municipality=make_municipality())
    status_url = reverse("responses:change-campaign", args=[campaign.slug, "pauzeer"])
    client.post(status_url)

    with django_capture_on_commit_callbacks(execute=True):
        send_invitations(campaign=campaign)
    held = list(Delivery.objects.values_list("status", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("responses:change-campaign", args=[campaign.slug, "hervat"])
        )

    assert held == [DeliveryStatus.PENDING]
    assert [m.to for m in mail.outbox] == [[mayor.email]]


def test_close_confirms_and_says_what_it_does(client, sender):
    campaign = make_campaign(slug="sluiten")
    url = reverse("responses:change-campaign", args=[campaign.slug, "afsluiten"])

    page = client.get(url).content.decode()
    campaign.refresh_from_db()
    status_before = campaign.status
    client.post(url)
    campaign.refresh_from_db()

    assert "Niemand kan nog antwoorden" in page
    assert (status_before, campaign.status) == ("open", "closed")


def test_schedule_of_an_invitation_sent_in_the_last_minute_of_a_day_keeps_its_day(
    world,
):
    # Beat ticks until midnight: mail sent at 23:59:30 is due 14 days later, same day.
    campaign, _, _, _ = world
    add_default_reminder_rules(campaign=campaign)
    late = timezone.localtime().replace(hour=23, minute=59, second=30, microsecond=0)
    Delivery.objects.filter(kind=DeliveryKind.INVITATION).update(sent_at=late)

    upcoming = {
        u.rule.stream: u for u in upcoming_reminders(campaign=campaign, now=late)
    }

    assert upcoming[ReminderStream.NOT_STARTED].next_date == late.date() + timedelta(
        days=14
    )


def test_default_schedule_mayors_at_14_days_then_staff_and_a_last_call(world):
    campaign, munis, _, _ = world
    created = add_default_reminder_rules(campaign=campaign)
    now = timezone.now()

    first = {u.rule.stream: u for u in upcoming_reminders(campaign=campaign, now=now)}
    later = upcoming_reminders(campaign=campaign, now=now + timedelta(days=22))
    # Early on the last-call day (not "closing minus 3 days and an hour", which is
    # the day before when the campaign closes just after midnight).
    last_call = upcoming_reminders(
        campaign=campaign,
        now=timezone.localtime(campaign.closes_at - timedelta(days=3)).replace(
            hour=0, minute=1
        ),
    )

    today = timezone.localtime(now).date()
    not_started = first[ReminderStream.NOT_STARTED]
    assert created == 2
    # Mayors of the two not-started municipalities; staff only from day 21.
    assert (not_started.next_date, not_started.recipients) == (
        today + timedelta(days=14),
        2,
    )
    assert first[ReminderStream.PARTIAL].recipients == 1
    assert {u.recipients for u in later} == {2, 4}  # staff join from day 21
    assert {u.next_date for u in last_call} == {
        timezone.localtime(campaign.closes_at).date() - timedelta(days=3)
    }
