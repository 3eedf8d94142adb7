from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from municipalities.models import ContactRole
from responses.mailing.campaigns import send_invitations
from responses.models import CampaignStatus, Delivery, DeliveryStatus
from tests.factories import (
    make_campaign,
    make_cluster,
    make_contact,
    make_covering_response,
    make_municipality,
    make_province,
    make_reminder_rule,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = User.objects.create_user("staff", "staff@vvsg.test", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(user)
    return user


@pytest.fixture
def sender(staff):
    staff.user_permissions.add(Permission.objects.get(codename="send_mailings"))
    return staff


def _world(n=6, campaign=None):
    campaign = campaign or make_campaign(slug="golf-2026")
    antwerpen = make_province(nis_code="10000", name="Antwerpen")
    limburg = make_province(nis_code="70000", name="Limburg")
    woon = make_cluster(type="woon")
    munis = []
    for i in range(n):
        muni = make_municipality(
            name=f"Gemeente {i}", province=antwerpen if i % 2 else limburg, cluster=woon
        )
        make_contact(municipality=muni, name=f"Burgemeester {i}")
        make_contact(municipality=muni, role=ContactRole.STAFF)
        munis.append(muni)
    return campaign, munis


def test_dashboard_shows_live_progress_and_reminder_schedule(
    client, sender, django_capture_on_commit_callbacks
):
    campaign, munis = _world()
    make_reminder_rule(campaign=campaign, first_after_days=14, include_staff=False)
    with django_capture_on_commit_callbacks(execute=True):
        send_invitations(campaign=campaign)
    make_covering_response(campaign=campaign, municipalities=[munis[0]])

    response = client.get(reverse("responses:show-campaign", args=[campaign.slug]))

    html = response.content.decode()
    assert 'hx-get="/beheer/campagnes/golf-2026/voortgang/"' in html
    assert 'data-status="sent">6<' in html
    schedule = html.split('id="reminder-schedule"')[1].split("</table>")[0]
    expected = (timezone.localtime() + timedelta(days=14)).date()
    assert date_format(expected, "j F Y") in schedule
    assert "5 (5 gemeenten)" in schedule  # the covered one gets nothing
    assert "Uitnodigingen versturen" in html


def test_dashboard_query_count_is_constant(
    client, staff, django_assert_max_num_queries
):
    campaign, _ = _world(3)
    url = reverse("responses:show-campaign", args=[campaign.slug])
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    _world(30, campaign=campaign)

    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_send_invitations_requires_permission(
    client, staff, django_capture_on_commit_callbacks
):
    campaign, _ = _world(2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("responses:send-invitations", args=[campaign.slug])
        )

    assert response.status_code == 403
    assert Delivery.objects.count() == 0
    assert mail.outbox == []


def test_send_invitations_now_sends_to_every_mayor(
    client, sender, django_capture_on_commit_callbacks
):
    campaign, munis = _world(3)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("responses:send-invitations", args=[campaign.slug]))

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        c.email for m in munis for c in m.contacts.filter(role=ContactRole.MAYOR)
    )


def test_send_test_mail_goes_to_the_given_address(
    client, sender, django_capture_on_commit_callbacks
):
    campaign, _ = _world(1)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("responses:send-test-mail", args=[campaign.slug]),
            {"email": "me@vvsg.test", "kind": "reminder_partial"},
        )

    assert [m.to for m in mail.outbox] == [["me@vvsg.test"]]
    assert "Voorbeeldgemeente" in mail.outbox[0].subject


def test_pause_holds_mail_only_and_suspend_stops_respondents(client, sender):
    campaign, _ = _world(1)
    url = reverse("responses:change-campaign", args=[campaign.slug, "pauzeer"])

    confirm = client.get(url).content.decode()
    client.post(url)
    campaign.refresh_from_db()
    paused = (campaign.status, campaign.mail_paused)
    client.post(reverse("responses:change-campaign", args=[campaign.slug, "hervat"]))
    client.post(
        reverse("responses:change-campaign", args=[campaign.slug, "opschorten"])
    )
    campaign.refresh_from_db()

    assert "Respondenten kunnen gewoon verder antwoorden" in confirm
    assert paused == (CampaignStatus.OPEN, True)
    assert (campaign.status, campaign.mail_paused) == (CampaignStatus.PAUSED, False)


def test_delivery_log_lists_failures_with_reason_and_retry_resends(
    client, sender, django_capture_on_commit_callbacks
):
    campaign, _ = _world(2)
    send_invitations(campaign=campaign)
    failed = Delivery.objects.order_by("pk").first()
    Delivery.objects.filter(pk=failed.pk).update(
        status=DeliveryStatus.FAILED, last_error="550 5.1.1 no such user"
    )

    page = client.get(
        reverse("responses:list-deliveries", args=[campaign.slug]), {"status": "failed"}
    ).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("responses:retry-delivery", args=[failed.pk]))

    assert "550 5.1.1 no such user" in page and failed.email in page
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT
    assert [m.to for m in mail.outbox] == [[failed.email]]


def test_preview_renders_sample_recipient_and_escapes_html(client, staff):
    campaign, _ = _world(1)
    campaign.name = "<b>Golf</b>"
    campaign.save()

    html = client.get(
        reverse("responses:preview-mail", args=[campaign.slug, "invitation"])
    ).content.decode()

    assert "Voorbeeldgemeente" in html
    assert "<b>Golf</b>" not in html


def test_response_rate_board_counts_per_province_and_lists_missing(
    client, staff, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    campaign, munis = _world(4)
    with django_capture_on_commit_callbacks(execute=True):
        send_invitations(campaign=campaign)
    make_covering_response(campaign=campaign, municipalities=[munis[1], munis[3]])

    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("responses:show-response-rate", args=[campaign.slug])
        )

    rates = response.context["rates"]
    assert (rates.overall.total, rates.overall.invited, rates.overall.submitted) == (
        4,
        4,
        2,
    )
    assert {r.label: r.submitted for r in rates.by_province} == {
        "Antwerpen": 2,
        "Limburg": 0,
    }
    assert [r.label for r in rates.by_cluster_type] == ["Woongemeenten"]
    assert [m.name for m in response.context["missing"]] == ["Gemeente 0", "Gemeente 2"]
    assert "Burgemeester 0" in response.content.decode()


def test_staff_pages_need_staff(client):
    campaign, _ = _world(1)

    response = client.get(reverse("responses:show-campaign", args=[campaign.slug]))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert campaign.name not in response.content.decode()
    assert "Burgemeester 0" not in response.content.decode()
