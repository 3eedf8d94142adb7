"""Codebook export: CSV (BOM, columns, rows) and JSON; function, command, view."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from surveys.codebook import BOM, COLUMNS, codebook_csv, codebook_json
from surveys.models import Question
from tests.factories import make_export_instrument, make_real_instrument

pytestmark = pytest.mark.django_db


def parse_csv(text, delimiter=","):
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


def test_codebook_csv_has_bom_header_and_one_row_per_question():
    instrument = make_real_instrument(2024)

    text = codebook_csv(instrument)
    rows = parse_csv(text)

    assert text.splitlines()[0] == BOM + ",".join(COLUMNS)
    assert len(rows) == 57
    assert [r["number"] for r in rows] == [str(n) for n in range(1, 58)]
    assert rows[2] == {
        "number": "3",
        "code": "RAD_SIGNALEN",
        "section": "radicalisering",
        "section_title": "Gewelddadige radicalisering",
        "type": "single",
        "text": "Ontvangt uw bestuur signalen van gewelddadige radicalisering?",
        "required": "ja",
        "condition": "",
        "options": "ja_gelijk=Ja (gelijk) | ja_stijging=Ja (stijging) | "
        "ja_daling=Ja (daling) | neen=Neen",
        "rows": "",
        "settings": '{"results_groups": [{"code": "ja_totaal", "label": "Ja (totaal)", '
        '"options": ["ja_gelijk", "ja_stijging", "ja_daling"]}]}',
        "source": "Figuur 4: Lokale signalen van gewelddadige radicalisering; Tabel 1",
        "reconstructed": "ja",
    }


def test_codebook_csv_describes_conditions_rows_and_flags():
    instrument = make_real_instrument(2024)

    rows = {
        r["code"]: r for r in parse_csv(codebook_csv(instrument, delimiter=";"), ";")
    }

    assert rows["RAD_VORMEN"]["condition"] == (
        "RAD_SIGNALEN in (ja_gelijk, ja_stijging, ja_daling)"
    )
    assert rows["RAD_CASUS_LINKS"]["condition"] == (
        "RAD_VORMEN[links] in (toegenomen, gestabiliseerd, afgenomen)"
    )
    assert rows["RAD_DREIGING"]["rows"].startswith(
        "islam=Islamistisch/Salafi Jihadi extremisme "
        "[als RAD_VORMEN[islam] in (toegenomen, gestabiliseerd, afgenomen)] | "
    )
    assert "niet=Niet [exclusive]" in rows["RAD_ZICHT"]["options"]
    assert (
        "ander=Ander, gelieve te specificeren [other]" in rows["RAD_ZICHT"]["options"]
    )
    assert rows["NOD_OPMERKINGEN"]["required"] == "nee"
    assert rows["POL_CASUS"]["settings"] == '{"multiline": true}'


def test_codebook_json_is_structured():
    instrument = make_real_instrument(2024)

    document = json.loads(codebook_json(instrument))

    assert document["instrument"]["version"] == "2024"
    assert len(document["questions"]) == 57
    zicht = next(q for q in document["questions"] if q["code"] == "RAD_ZICHT")
    assert zicht["options"][-1] == {
        "code": "niet",
        "label": "Niet",
        "exclusive": True,
        "other": False,
    }
    doelwit = next(q for q in document["questions"] if q["code"] == "POL_DOELWIT_HOE")
    assert doelwit["condition_json"] == {"q": "POL_DOELWIT", "in": ["ja"]}
    assert doelwit["condition"] == "POL_DOELWIT in (ja)"


def test_export_codebook_command_writes_file(tmp_path):
    make_real_instrument(2026)
    target = tmp_path / "codeboek.csv"

    call_command(
        "export_codebook",
        "ledenbevraging",
        "2026",
        "--format",
        "csv",
        "-o",
        str(target),
    )

    rows = parse_csv(target.read_text(encoding="utf-8"))
    assert len(rows) == 57
    functie = next(r for r in rows if r["code"] == "PROF_FUNCTIE")
    assert (
        "intergemeentelijk_coordinator=Intergemeentelijk coördinator"
        in functie["options"]
    )


def test_export_codebook_command_json_to_stdout(capsys):
    make_real_instrument(2024)

    call_command("export_codebook", "ledenbevraging", "2024", "--format", "json")

    assert len(json.loads(capsys.readouterr().out)["questions"]) == 57


def test_codebook_view_is_staff_only(client, django_user_model):
    instrument = make_real_instrument(2024)
    url = reverse("surveys:download-codebook", args=[instrument.pk, "csv"])
    staff = django_user_model.objects.create_user("staff", password="x", is_staff=True)
    member = django_user_model.objects.create_user("lid", password="x")

    anonymous = client.get(url)
    client.force_login(member)
    not_staff = client.get(url)
    client.force_login(staff)
    allowed = client.get(url)

    assert anonymous.status_code == not_staff.status_code == 302
    assert "/admin/login/" in anonymous["Location"]
    assert allowed["Content-Disposition"] == (
        'attachment; filename="codeboek-ledenbevraging-2024.csv"'
    )
    assert allowed.content.startswith(BOM.encode("utf-8") + b"number,code,")
    assert len(parse_csv(allowed.content.decode("utf-8"))) == 57


def test_codebook_view_json_and_semicolon(admin_client):
    instrument = make_real_instrument(2024)

    as_json = admin_client.get(
        reverse("surveys:download-codebook", args=[instrument.pk, "json"])
    )
    semicolon = admin_client.get(
        reverse("surveys:download-codebook", args=[instrument.pk, "csv"])
        + "?sep=semicolon"
    )
    unknown = admin_client.get(
        reverse("surveys:download-codebook", args=[instrument.pk, "xlsx"])
    )

    assert json.loads(as_json.content)["instrument"]["code"] == "ledenbevraging"
    assert semicolon.content.decode("utf-8").splitlines()[0] == BOM + ";".join(COLUMNS)
    assert unknown.status_code == 404


def test_admin_lists_instrument_with_codebook_links_and_action(admin_client):
    instrument = make_real_instrument(2024)
    changelist = reverse("admin:surveys_instrument_changelist")

    page = admin_client.get(changelist)
    action = admin_client.post(
        changelist,
        {"action": "download_codebook_json", "_selected_action": [instrument.pk]},
    )
    question_page = admin_client.get(
        reverse("admin:surveys_question_changelist") + "?q=RAD_VORMEN"
    )

    json_url = reverse("surveys:download-codebook", args=[instrument.pk, "json"])
    assert json_url in page.content.decode()
    assert action["Location"] == json_url
    assert "RAD_VORMEN" in question_page.content.decode()
    assert "RAD_ZICHT" not in question_page.content.decode()


def test_admin_instrument_detail_is_read_only(admin_client):
    instrument = make_real_instrument(2024)

    page = admin_client.get(
        reverse("admin:surveys_instrument_change", args=[instrument.pk])
    )
    post = admin_client.post(
        reverse("admin:surveys_instrument_change", args=[instrument.pk]), {"title": "X"}
    )

    instrument.refresh_from_db()
    assert "Gewelddadige radicalisering" in page.content.decode()
    assert post.status_code == 403
    assert instrument.title == "Ledenbevraging Radicalisering & Polarisatie 2024"


def test_instrument_detail_page_shows_questions_and_conditions(client, admin_client):
    instrument = make_real_instrument(2024)
    url = reverse("surveys:instrument-detail", args=[instrument.pk])

    anonymous = client.get(url)
    page = admin_client.get(url).content.decode()

    assert "/admin/login/" in anonymous["Location"]
    assert "Ledenbevraging Radicalisering &amp; Polarisatie 2024" in page
    assert "57 vragen" in page
    assert "RAD_VORMEN[islam] in (toegenomen, gestabiliseerd, afgenomen)" in page
    assert page.count('class="mb-3 border-start ps-3"') == 57
    assert "style=" not in page and "<script>" not in page


def test_codebook_csv_goes_through_the_cell_sanitiser():
    instrument = make_export_instrument()
    Question.objects.filter(instrument=instrument, code="q1").update(
        text='=HYPERLINK("http://x")'
    )

    rows = parse_csv(codebook_csv(instrument))

    assert rows[0]["text"] == '\'=HYPERLINK("http://x")'
