"""Fieldwork monitor: cumulative days with reminders, rates with the sample line."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from municipalities.services import load_reference_data
from responses.mailing.monitor import daily_progress, drop_off, rate_charts
from responses.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Response,
    ResponseStatus,
)
from responses.reporting.results.representativeness import required_sample_size
from tests.factories import (
    make_campaign,
    make_cluster,
    make_covering_response,
    make_invitation,
    make_municipality,
    make_province,
    make_survey_campaign,
)

pytestmark = pytest.mark.django_db


def _at(day: int):
    return timezone.now() - timedelta(days=10 - day)


@pytest.fixture
def world():
    campaign = make_survey_campaign(opens_at=timezone.now() - timedelta(days=10))
    antwerpen = make_province(nis_code="10000", name="Antwerpen")
    limburg = make_province(nis_code="70000", name="Limburg")
    woon = make_cluster(type="woon")
    munis = [
        make_municipality(
            name=f"Gemeente {i}", province=antwerpen if i < 4 else limburg, cluster=woon
        )
        for i in range(6)
    ]
    # Started on day 1, 1, 3; the first two submitted on day 2 and 5.
    for muni, started, submitted in [
        (munis[0], 1, 2),
        (munis[1], 1, 5),
        (munis[2], 3, None),
    ]:
        response = make_covering_response(
            campaign=campaign,
            municipalities=[muni],
            status=ResponseStatus.SUBMITTED if submitted else ResponseStatus.PARTIAL,
        )
        Response.objects.filter(pk=response.pk).update(
            started_at=_at(started),
            submitted_at=_at(submitted) if submitted else None,
            current_section="" if submitted else "b",
        )
    invitation = make_invitation(campaign=campaign, municipality=munis[3])
    Delivery.objects.create(
        campaign=campaign,
        invitation=invitation,
        kind=DeliveryKind.REMINDER,
        round=1,
        email=invitation.email,
        status=DeliveryStatus.SENT,
        sent_at=_at(4),
    )
    return campaign


def test_daily_progress_is_cumulative_and_marks_reminder_days(world):
    chart = daily_progress(campaign=world)

    by_offset = [(d.started, d.submitted, d.reminder) for d in chart.days]
    assert by_offset[:7] == [
        (0, 0, False),
        (2, 0, False),
        (2, 1, False),
        (3, 1, False),
        (3, 1, True),
        (3, 2, False),
        (3, 2, False),
    ]
    assert len(chart.reminder_xs) == 1
    assert chart.required == required_sample_size(6)


def test_rates_per_province_and_the_required_sample_of_2024():
    assert required_sample_size(300) == 172


def test_monitor_of_the_2024_wave_counts_the_300_of_the_2024_map_and_172_needed():
    load_reference_data()
    opens = timezone.make_aware(datetime(2024, 5, 21, 9))
    campaign = make_campaign(
        opens_at=opens, closes_at=opens + timedelta(days=38), slug="lb-2024-map"
    )

    (by_province, by_cluster) = rate_charts(campaign=campaign)

    assert sum(bar.total for bar in by_province.bars) == 300
    assert sum(bar.total for bar in by_cluster.bars) == 300
    assert by_province.required == 172


def test_rate_charts_and_drop_off(world):
    province, cluster = rate_charts(campaign=world)
    stops = drop_off(campaign=world)

    assert [(b.label, b.submitted, b.total) for b in province.bars] == [
        ("Antwerpen", 2, 4),
        ("Limburg", 0, 2),
    ]
    assert province.required_x == round(100 * required_sample_size(6) / 6, 1)
    assert [(s.section, s.responses) for s in stops] == [("b", 1)]


def test_monitor_page_renders_svg_without_inline_style_and_with_tables(client, world):
    user = User.objects.create_user("m", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(user)

    html = client.get(reverse("responses:show-monitor", args=[world.slug])).content
    html = html.decode()

    assert "<polyline" in html and 'id="daily-table"' in html
    assert "style=" not in html.split("<main")[1] and "<script>" not in html
    assert "Antwerpen" in html and "2 van 4" in html
