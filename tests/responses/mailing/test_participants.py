"""Participant table: rows, 'geopend' >= 'gestart', filters, sort, export, actions."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from municipalities.models import Contact, ContactRole
from responses.mailing.campaigns import send_invitations
from responses.mailing.tokens import find_invitation, raw_token_for
from responses.models import Delivery, DeliveryKind, Invitation, ResponseStatus
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
    campaign = make_campaign(slug="golf")
    antwerpen = make_province(nis_code="10000", name="Antwerpen")
    limburg = make_province(nis_code="70000", name="Limburg")
    woon = make_cluster(type="woon")
    munis = {
        name: make_municipality(name=name, province=province, cluster=woon)
        for name, province in [
            ("Aartselaar", antwerpen),
            ("Bree", limburg),
            ("=Cmd", antwerpen),  # a hostile name for the export
            ("Diest", limburg),
        ]
    }
    for muni in munis.values():
        make_contact(municipality=muni, name=f"Burgemeester {muni.name}")
    with django_capture_on_commit_callbacks(execute=True):
        send_invitations(campaign=campaign)
    make_covering_response(
        campaign=campaign,
        municipalities=[munis["Aartselaar"]],
        respondent_name="An Peeters",
    )
    # Started through a response nobody opened a mayor link for.
    make_covering_response(
        campaign=campaign,
        municipalities=[munis["Bree"]],
        status=ResponseStatus.PARTIAL,
        respondent_name="Bart Claes",
    )
    Invitation.objects.filter(municipality=munis["Diest"]).update(
        first_opened_at=timezone.now()
    )
    mail.outbox.clear()
    return campaign, munis


def _page(client, campaign, **params):
    url = reverse("responses:list-participants", args=[campaign.slug])
    return client.get(url, params)


def test_one_row_per_municipality_with_status_and_opened_never_below_started(
    client, sender, world
):
    campaign, munis = world

    rows = {r.municipality.name: r for r in _page(client, campaign).context["page"]}

    assert {name: row.status_label for name, row in rows.items()} == {
        "Aartselaar": "Ingediend",
        "Bree": "Gestart",
        "=Cmd": "Uitgenodigd",
        "Diest": "Geopend",
    }
    assert rows["Bree"].opened and rows["Bree"].started
    assert sum(r.opened for r in rows.values()) >= sum(r.started for r in rows.values())
    assert rows["Bree"].answered_by == "Bart Claes"
    assert rows["=Cmd"].last_mail.get_status_display() == "Verzonden"


def test_filter_sort_and_page(client, sender, world):
    campaign, munis = world

    limburg = _page(client, campaign, provincie=munis["Bree"].province_id)
    started = _page(client, campaign, status="started")
    by_status = _page(client, campaign, sorteer="status")
    reversed_names = _page(client, campaign, sorteer="gemeente", omgekeerd="on")

    names = lambda response: [r.municipality.name for r in response.context["page"]]  # noqa: E731
    assert names(limburg) == ["Bree", "Diest"]
    assert names(started) == ["Bree"]
    assert names(by_status) == ["Aartselaar", "Bree", "Diest", "=Cmd"]
    assert names(reversed_names) == ["Diest", "Bree", "Aartselaar", "=Cmd"]


def test_export_csv_and_xlsx_follow_the_filter_and_neutralise_cells(
    client, sender, world
):
    campaign, munis = world
    params = {"provincie": munis["Aartselaar"].province_id}

    csv_response = client.get(
        reverse("responses:export-participants", args=[campaign.slug, "csv"]), params
    )
    xlsx_response = client.get(
        reverse("responses:export-participants", args=[campaign.slug, "xlsx"]), params
    )

    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    sheet = load_workbook(io.BytesIO(b"".join(xlsx_response.streaming_content))).active
    cells = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]
    assert lines[0][:5] == [
        "NIS-code",
        "Gemeente",
        "Provincie",
        "Clustertype",
        "Status",
    ]
    assert sorted(line[1] for line in lines[1:]) == ["'=Cmd", "Aartselaar"]
    # XLSX: the text unchanged in a typed string cell, which is never a formula.
    assert sorted(row[1] for row in cells[1:]) == [("=Cmd", "s"), ("Aartselaar", "s")]


def test_row_actions_resend_remind_reissue_and_add_contact(
    client, sender, world, django_capture_on_commit_callbacks
):
    campaign, munis = world
    invitation = Invitation.objects.get(municipality=munis["Diest"])
    old_token = raw_token_for(invitation)

    def act(action):
        url = reverse(
            "responses:act-on-invitation", args=[campaign.slug, invitation.pk, action]
        )
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url)

    act("uitnodiging")
    act("herinnering")
    act("nieuwe-link")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse(
                "responses:add-participant-contact",
                args=[campaign.slug, munis["Diest"].pk],
            ),
            {
                "name": "Dirk Schepen",
                "email": "dirk@diest.test",
                "role": ContactRole.STAFF,
                "invite": "on",
            },
        )

    kinds = list(
        Delivery.objects.filter(invitation=invitation)
        .order_by("pk")
        .values_list("kind", "round")
    )
    assert kinds == [
        (DeliveryKind.INVITATION, 0),
        (DeliveryKind.INVITATION, 1),
        (DeliveryKind.REMINDER, 1),
        (DeliveryKind.INVITATION, 2),
    ]
    assert find_invitation(raw_token=old_token) is None
    assert [m.to[0] for m in mail.outbox][-1] == "dirk@diest.test"
    assert Contact.objects.get(email="dirk@diest.test").municipality == munis["Diest"]
    new_link = mail.outbox[-2].body
    assert raw_token_for(Invitation.objects.get(pk=invitation.pk)) in new_link
