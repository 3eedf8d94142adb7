"""Pseudonymised exports: keyed ids, no open text, the numbers intact."""

from __future__ import annotations

import pytest

from responses.models import ResponseStatus
from responses.reporting.exports import export_rows
from responses.reporting.pseudonyms import pseudonym
from tests.factories import make_export_response, make_municipality
from tests.security.world import open_campaign

pytestmark = pytest.mark.django_db


def _rows(campaign, **kw):
    return [
        list(row) for row in export_rows(campaign=campaign, pseudonymise=True, **kw)
    ]


def test_pseudonymised_export_hides_ids_and_open_text(settings):
    settings.PSEUDONYM_KEY = "test-key"
    campaign = open_campaign()
    response = make_export_response(
        campaign=campaign,
        municipalities=[make_municipality(nis_code="44021")],
        answers={
            "q1": "ja",
            "q4": "Citaat van de burgemeester",
            "q5": 12,
            "q7": "ander",
        },
        others={"q7": "Een eigen omschrijving"},
        status=ResponseStatus.SUBMITTED,
        respondent_name="Jan Peeters",
        respondent_email="jan@gemeente.test",
    )

    plain_header, plain = list(export_rows(campaign=campaign))
    header, row = _rows(campaign)
    cells = dict(zip(header, row, strict=True))

    assert header == plain_header
    assert cells["response_id"] == pseudonym(response.pk, campaign_slug=campaign.slug)
    assert cells["response_id"].startswith("p-")
    assert (cells["q4"], cells["q7__other"]) == ("", "")
    assert (cells["q1"], cells["q5"], cells["q7"]) == ("ja", 12, "ander")
    assert cells["nis_codes"] == "44021"
    flat = " ".join(str(c) for c in row)
    for secret in ("Citaat", "Een eigen", "Jan Peeters", "jan@gemeente.test"):
        assert secret not in flat
    assert (
        dict(zip(plain_header, plain, strict=True))["q4"]
        == "Citaat van de burgemeester"
    )


def test_pseudonym_is_stable_per_key_and_campaign(settings):
    settings.PSEUDONYM_KEY = "key-a"
    first = pseudonym(7, campaign_slug="lb-2026")
    again = pseudonym("7", campaign_slug="lb-2026")
    other_campaign = pseudonym(7, campaign_slug="lb-2028")
    settings.PSEUDONYM_KEY = "key-b"
    other_key = pseudonym(7, campaign_slug="lb-2026")

    assert first == again
    assert len({first, other_campaign, other_key}) == 3


def test_pseudonymised_bestuur_layout_keeps_one_row_per_bestuur():
    campaign = open_campaign()
    towns = [make_municipality(), make_municipality()]
    make_export_response(
        campaign=campaign,
        municipalities=towns,
        answers={"q4": "geheim"},
        is_coordinator=True,
    )

    header, *rows = _rows(campaign, layout="bestuur")

    assert len(rows) == 2
    ids = {row[header.index("response_id")] for row in rows}
    assert len(ids) == 1 and next(iter(ids)).startswith("p-")
    assert all(row[header.index("q4")] == "" for row in rows)


def _secret_campaign():
    campaign = open_campaign()
    response = make_export_response(
        campaign=campaign,
        municipalities=[make_municipality()],
        answers={"q1": "ja", "q4": "Vertrouwelijk citaat"},
        status=ResponseStatus.SUBMITTED,
    )
    return campaign, response


def test_download_view_pseudonymise_option_and_log(client, django_user_model):
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    from responses.models import ExportLog

    campaign, response = _secret_campaign()
    user = django_user_model.objects.create_user("ps", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="export_responses"))
    client.force_login(user)
    url = reverse("responses:download-export", args=[campaign.slug])

    reply = client.get(url, {"format": "csv", "pseudonymise": "on"})
    body = b"".join(reply.streaming_content).decode("utf-8-sig")
    form = client.get(reverse("responses:export-form", args=[campaign.slug]))

    expected = pseudonym(response.pk, campaign_slug=campaign.slug)
    assert expected in body
    assert "Vertrouwelijk citaat" not in body
    assert 'name="pseudonymise"' in form.content.decode()
    log = ExportLog.objects.get()
    assert (log.rows, log.filters.get("pseudonymised")) == (1, True)


def test_export_command_pseudonymise_flag(tmp_path):
    from django.core.management import call_command

    from responses.models import ExportLog

    campaign, response = _secret_campaign()
    out = tmp_path / "pseudo.csv"

    call_command("export_responses", campaign.slug, "--pseudonymise", "-o", str(out))
    text = out.read_text(encoding="utf-8-sig")

    assert pseudonym(response.pk, campaign_slug=campaign.slug) in text
    assert "Vertrouwelijk citaat" not in text
    assert ExportLog.objects.get().filters["pseudonymised"] is True
