"""A coordinator's answer that differs for one bestuur: stored, exported, counted."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from responses.answering.per_bestuur import save_bestuur_answer
from responses.mailing.tokens import raw_token_for
from responses.models import BestuurAnswer, Invitation, ResponseStatus
from responses.reporting.exports import export_rows
from responses.reporting.results.data import load_directory, load_records
from responses.reporting.results.units import bestuur_units
from surveys.queries import instrument_spec
from tests.factories import (
    make_export_campaign,
    make_export_response,
    make_municipality,
)

pytestmark = pytest.mark.django_db

ANSWERS = {"q1": "ja", "q2": ["pol"], "q4": "Samen", "q5": 2, "q7": "a"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def coordinated():
    campaign = make_export_campaign(status="open")
    geel, mol = make_municipality(name="Geel"), make_municipality(name="Mol")
    response = make_export_response(
        campaign=campaign,
        municipalities=[geel, mol],
        answers=ANSWERS,
        status=ResponseStatus.SUBMITTED,
    )
    invitation = Invitation.objects.create(
        campaign=campaign,
        municipality=geel,
        kind="coordinator",
        name="Cas",
        email="cas@igs.be",
        response=response,
        token_hash="x" * 64,
    )
    return campaign, response, invitation, geel, mol


def test_differing_answer_is_validated_and_replaces_one_bestuur_only(coordinated):
    campaign, response, invitation, geel, mol = coordinated
    other = make_municipality(name="Elders")

    def save(municipality, code, value):
        return save_bestuur_answer(
            response=response,
            invitation=invitation,
            municipality=municipality,
            question_code=code,
            value=value,
        )

    assert save(mol, "q1", "misschien") != []
    assert save(other, "q1", "nee") == [
        "U antwoordt niet voor dit bestuur, of maar voor één bestuur."
    ]
    assert save(mol, "q6", ["11002"]) == [
        "Deze vraag kan niet per bestuur verschillen."
    ]
    assert save(mol, "zz", "nee") == ["Onbekende vraag voor deze vragenlijst."]
    assert BestuurAnswer.objects.count() == 0
    assert save(mol, "q1", "nee") == []
    assert save(mol, "q4", "Anders in Mol") == []

    rows = [
        row
        for row in _dicts(export_rows(campaign=campaign, layout="bestuur"))
        if row["response_id"] == response.pk
    ]
    by_name = {row["municipality"]: row for row in rows}
    assert (by_name["Geel"]["q1"], by_name["Geel"]["q2__pol"]) == ("ja", 1)
    assert by_name["Geel"]["q4"] == "Samen"
    # q2 is only asked when q1 == "ja": hidden for Mol once Mol answers "nee".
    assert (by_name["Mol"]["q1"], by_name["Mol"]["q2__pol"]) == ("nee", "")
    assert by_name["Mol"]["q4"] == "Anders in Mol"
    (single,) = _dicts(export_rows(campaign=campaign, layout="response"))
    assert single["q1"] == "ja"

    records = load_records(
        campaign=campaign,
        directory=load_directory(),
        spec=instrument_spec(campaign.instrument),
    )
    units = {u.key: u.answers for u in bestuur_units(records)}
    assert units[f"m:{geel.nis_code}"]["q1"] == "ja"
    assert units[f"m:{mol.nis_code}"]["q1"] == "nee"
    assert "q2" not in units[f"m:{mol.nis_code}"]

    assert save(mol, "q1", None) == []  # back to "same as my other besturen"
    assert list(BestuurAnswer.objects.values_list("question__code", flat=True)) == [
        "q4"
    ]


def test_coordinator_marks_a_differing_answer_on_the_page(client, coordinated):
    campaign, response, invitation, geel, mol = coordinated
    from responses.mailing.tokens import issue_token

    Invitation.objects.filter(pk=invitation.pk).update(**issue_token())
    invitation.refresh_from_db()
    token = raw_token_for(invitation)
    Response = type(response)
    Response.objects.filter(pk=response.pk).update(status=ResponseStatus.PARTIAL)

    landing = client.get(f"/b/{token}/").content.decode()
    chosen = client.get(
        f"/b/{token}/per-bestuur/?bestuur={mol.nis_code}&vraag=q1"
    ).content.decode()
    saved = client.post(
        f"/b/{token}/per-bestuur/",
        {"bestuur": mol.nis_code, "vraag": "q1", "q-q1": "nee", "actie": "bewaar"},
        follow=True,
    ).content.decode()
    bad = client.post(
        f"/b/{token}/per-bestuur/",
        {"bestuur": "00000", "vraag": "q1", "q-q1": "nee", "actie": "bewaar"},
        follow=True,
    ).content.decode()

    assert "Is een antwoord anders voor één van uw besturen?" in landing
    assert "Antwoord voor Mol" in chosen
    assert "Bewaard: vraag 1 voor Mol." in saved
    assert "Mol" in saved and "Wijzigen of verwijderen" in saved
    assert "Kies een bestuur en een vraag uit de lijst." in bad
    assert list(BestuurAnswer.objects.values_list("municipality__name", "value")) == [
        ("Mol", "nee")
    ]


def _dicts(rows):
    header, *data = list(rows)
    return [dict(zip(header, row, strict=True)) for row in data]
