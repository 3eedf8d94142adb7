"""Issue 17: the follow-up list, defined in the instrument file."""

from __future__ import annotations

import copy
import csv
import io

import pytest
import yaml
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from municipalities.models import Municipality
from responses.models import ExportLog, FollowUpItem, FollowUpStatus, ResponseStatus
from responses.reporting.follow_up import refresh_follow_up, set_follow_up_status
from surveys.models import Question
from surveys.queries import clear_spec_cache
from surveys.validation import check_definition
from tests.factories import instrument_path
from tests.responses.reporting.results_world import add_response, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    clear_spec_cache()
    world = build_world()
    questions = Question.objects.filter(instrument=world.current.instrument)
    questions.filter(code="beleid").update(
        settings={"follow_up": {"ja": "Wil een beleidsplan"}}
    )
    questions.filter(code="zicht").update(
        settings={"follow_up": {"ander": "Andere bron", "niet": "Weet niet hoe"}}
    )
    questions.filter(code="toelichting").update(
        settings={"follow_up": "Noemt specifieke noden"}
    )
    clear_spec_cache()
    return world


@pytest.fixture
def staff(client):
    user = User.objects.create_user("opvolger", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_results"))
    client.force_login(user)
    return user


def _items():
    return {
        (i.municipality.name, i.reason): i.detail
        for i in FollowUpItem.objects.select_related("municipality")
    }


def test_items_follow_the_instrument_rules_and_visible_answers(world):
    result = refresh_follow_up(campaign=world.current)

    items = _items()
    assert result.created == len(items)
    # beleid=ja: Antwoord R1 (Antwerpen), R3 (Hasselt), R6 (Genk), R7 (Lommel).
    assert {name for name, reason in items if reason == "Wil een beleidsplan"} == {
        "Antwerpen",
        "Hasselt",
        "Genk",
        "Lommel",
    }
    # The "other, specify" text goes with the item.
    assert (
        items[("Hasselt", "Andere bron")] == "Ander, gelieve te specificeren: Wijkagent"
    )
    assert items[("Tongeren", "Weet niet hoe")] == "Niet, we weten niet hoe"
    # R2's stale zicht=ocad is hidden (signalen=neen): creates nothing for Mortsel.
    assert not [k for k in items if k[0] == "Mortsel" and k[1] != "Wil een beleidsplan"]
    assert items[("Maasmechelen", "Noemt specifieke noden")] == "<b>hallo</b>"


def test_refresh_keeps_staff_work_and_drops_untouched_stale_items(world):
    refresh_follow_up(campaign=world.current)
    user = User.objects.create_user("x")
    genk = FollowUpItem.objects.get(municipality__name="Genk")
    lommel = FollowUpItem.objects.get(municipality__name="Lommel")
    set_follow_up_status(
        item=genk, status=FollowUpStatus.CONTACTED, note="Gebeld", user=user
    )
    # Both change their answer: Genk's worked item stays, Lommel's open one goes.
    for key in ("R6", "R7"):
        world.responses[key].answers.filter(question__code="beleid").update(value="nee")

    again = refresh_follow_up(campaign=world.current)

    genk.refresh_from_db()
    assert again.removed == 1 and again.created == 0
    assert genk.status == FollowUpStatus.CONTACTED and genk.note == "Gebeld"
    assert genk.updated_by == user
    assert not FollowUpItem.objects.filter(pk=lommel.pk).exists()


def test_a_coordinators_answer_counts_for_each_bestuur(world):
    zoersel = world.m["Zoersel"]
    world.m["Ranst"] = Municipality.objects.create(
        name="Ranst",
        nis_code="11035",
        province=zoersel.province,
        cluster=zoersel.cluster,
        population=19000,
    )
    add_response(
        world.current,
        "R11",
        world,
        ["Zoersel", "Ranst"],
        ResponseStatus.SUBMITTED,
        {"signalen": "neen", "beleid": "ja"},
    )
    refresh_follow_up(campaign=world.current)
    names = {name for name, reason in _items() if reason == "Wil een beleidsplan"}
    assert {"Zoersel", "Ranst"} <= names


def test_list_filters_status_change_and_csv(world, client, staff):
    refresh_follow_up(campaign=world.current)
    url = reverse("responses:follow-up-list", args=["lb-2026"])

    def table(query):
        html = client.get(url + query).content.decode()
        return html.split('id="follow-up"')[1]

    limburg = table("?province=70000&section=beleid")
    woon = table("?family=steden")
    genk = FollowUpItem.objects.get(municipality__name="Genk")
    client.post(
        reverse("responses:change-follow-up", args=["lb-2026", genk.pk]),
        {"item_status": "done", "note": "Afgesproken", "province": "70000"},
    )
    bad = client.post(
        reverse("responses:change-follow-up", args=["lb-2026", genk.pk]),
        {"item_status": "weg"},
        follow=True,
    )
    export = client.get(reverse("responses:follow-up-csv", args=["lb-2026"]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))

    assert "Genk" in limburg and "Hasselt" in limburg and "Antwerpen" not in limburg
    assert "Antwerpen" in woon and "Genk" not in woon
    genk.refresh_from_db()
    assert genk.status == "done" and genk.note == "Afgesproken"
    assert genk.updated_by == staff
    assert "Kies een geldige status." in bad.content.decode()
    assert rows[0][:3] == ["nis_code", "bestuur", "provincie"]
    genk_row = next(r for r in rows if r[1] == "Genk")
    assert genk_row[8] == "Afgehandeld" and genk_row[10] == "opvolger"
    # A formula from a respondent is written as text (the one sanitiser).
    antwerpen = next(
        r for r in rows if r[1] == "Antwerpen" and r[6] == "Noemt specifieke noden"
    )
    assert antwerpen[7] == '\'=HYPERLINK("http://x.test","klik")'
    assert ExportLog.objects.get(layout="follow_up").rows == len(rows) - 1


def test_list_needs_the_results_permission(world, client):
    refresh_follow_up(campaign=world.current)
    client.force_login(User.objects.create_user("anders", is_staff=True))
    url = reverse("responses:follow-up-list", args=["lb-2026"])
    csv_url = reverse("responses:follow-up-csv", args=["lb-2026"])

    reply = client.get(url)
    export = client.get(csv_url)

    assert reply.status_code == 403 and b"Genk" not in reply.content
    assert export.status_code == 403 and b"Genk" not in export.content
    assert not ExportLog.objects.exists()


def test_the_2026_instrument_defines_the_follow_up_and_rejects_unknown_options():
    data = yaml.safe_load(instrument_path(2026).read_text(encoding="utf-8"))
    assert check_definition(data) == []
    broken = copy.deepcopy(data)
    for section in broken["sections"]:
        for question in section["questions"]:
            if question["code"] == "NOD_CONTACT":
                question["settings"]["follow_up"] = {"misschien": "x"}
            if question["code"] == "NOD_OPMERKINGEN":
                question["settings"] = {"follow_up": ""}

    problems = check_definition(broken)

    assert any("follow_up: onbekende optie(s) ['misschien']" in p for p in problems)
    assert any(
        "instelling 'follow_up' moet een reden (tekst) zijn" in p for p in problems
    )


def test_list_links_to_the_contacts_only_for_campaign_viewers(world, client, staff):
    refresh_follow_up(campaign=world.current)
    url = reverse("responses:follow-up-list", args=["lb-2026"])
    contacts = reverse("responses:list-participants", args=["lb-2026"]) + "?q=Genk"

    without = client.get(url + "?province=70000").content.decode()
    staff.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    with_perm = client.get(url + "?province=70000").content.decode()

    assert contacts not in without
    assert f'href="{contacts}">Contactgegevens' in with_perm
