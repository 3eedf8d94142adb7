"""Results pages, the XLSX download, permissions and query counts."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from municipalities.models import Municipality
from responses.models import ExportLog, ResponseStatus
from surveys.queries import clear_spec_cache
from tests.responses.reporting.results_world import (
    ZICHT_2026,
    World,
    add_response,
    build_instrument,
    build_world,
    make_campaign,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    clear_spec_cache()
    return build_world()


@pytest.fixture
def staff(client):
    user = User.objects.create_user("analist", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_results"))
    client.force_login(user)
    return client


def test_overview_shows_frequency_tables_and_representation(world, staff):
    response = staff.get(reverse("responses:results-overview", args=["lb-2026"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "In totaal vulden 9 respondenten de vragenlijst in, waarvan er 2 (22%)" in html
    )
    assert "vertegenwoordigen 11 lokale besturen" in html
    assert "<strong>13</strong>" in html  # required sample size for N=13
    assert "Ja (gelijk)" in html and "27%" in html
    assert 'width="27.27"' in html  # SVG bar for 3/11
    assert 'aria-hidden="true"' in html
    assert "style=" not in html and "<script>" not in html


def test_question_page_has_crosstabs_trend_and_escaped_text(world, staff):
    url = reverse("responses:results-question", args=["lb-2026", "signalen"])

    html = staff.get(url + "?k=2").content.decode()

    assert "Woongemeenten (n=2)" in html
    assert "Totaal (n=11)" in html
    assert "&lt;2" in html
    assert "Ledenbevraging lb-2024" in html  # trend against the previous wave
    text = staff.get(
        reverse("responses:results-question", args=["lb-2026", "toelichting"])
    ).content.decode()
    assert "&lt;b&gt;hallo&lt;/b&gt;" in text
    assert "<b>hallo</b>" not in text


def test_question_page_per_respondent(world, staff):
    url = reverse("responses:results-question", args=["lb-2026", "signalen"])

    html = staff.get(url + "?unit=respondent&k=1").content.decode()

    assert "Totaal (n=9)" in html
    assert "per respondent" in html


def test_unknown_question_is_404(world, staff):
    response = staff.get(
        reverse("responses:results-question", args=["lb-2026", "nope"])
    )

    assert response.status_code == 404
    body = response.content.decode()
    assert "Ja (gelijk)" not in body and "Totaal (n=" not in body


@pytest.mark.parametrize(
    "name,args",
    [
        ("responses:results-list", []),
        ("responses:results-overview", ["lb-2026"]),
        ("responses:results-question", ["lb-2026", "signalen"]),
        ("responses:results-xlsx", ["lb-2026"]),
    ],
)
def test_results_forbidden_without_permission(world, client, name, args):
    user = User.objects.create_user("zonder", password="x", is_staff=True)
    client.force_login(user)

    response = client.get(reverse(name, args=args))

    assert response.status_code == 403
    body = response.content.decode()
    assert (
        "Antwerpen" not in body and "Ja (gelijk)" not in body and "PK" not in body[:2]
    )


def test_results_forbidden_for_anonymous(world, client):
    response = client.get(reverse("responses:results-overview", args=["lb-2026"]))

    assert response.status_code == 403
    assert "Ja (gelijk)" not in response.content.decode()


def test_campaign_list_links_each_campaign(world, staff):
    html = staff.get(reverse("responses:results-list")).content.decode()

    assert reverse("responses:results-overview", args=["lb-2026"]) in html
    assert reverse("responses:results-xlsx", args=["lb-2024"]) in html


def _sheet_rows(ws):
    return [tuple(c for c in row) for row in ws.iter_rows(values_only=True)]


def test_xlsx_contains_every_table_and_neutralises_formulas(world, staff):
    response = staff.get(reverse("responses:results-xlsx", args=["lb-2026"]) + "?k=2")

    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == [
        "Index",
        "Respons",
        "signalen",
        "vormen",
        "zicht",
        "dossiers",
        "toelichting",
        "beleid",
    ]
    rows = _sheet_rows(wb["signalen"])
    assert ("Ja (gelijk)", 3, pytest.approx(3 / 11), None) in [r[:4] for r in rows]
    assert ("N", 11) in [r[:2] for r in rows]
    family_header = next(r for r in rows if r[1] == "Woongemeenten (n=2)")
    assert family_header[7] == "Totaal (n=11)"
    neen = [r for r in rows if r[0] == "Neen"]
    assert neen[1][1:8] == ("2 (100%)", "2 (67%)", "<2", "0", "0", "0", "5 (45%)")
    zicht = _sheet_rows(wb["zicht"])
    assert ("Bespreking op LIVC R", 4, pytest.approx(4 / 11), pytest.approx(4 / 6)) in [
        r[:4] for r in zicht
    ]
    text_cells = [c for row in wb["toelichting"].iter_rows() for c in row if c.value]
    formula = next(c for c in text_cells if "HYPERLINK" in str(c.value))
    assert formula.value == '=HYPERLINK("http://x.test","klik")'
    assert formula.data_type == "s"
    log = ExportLog.objects.get()
    assert (log.user.username, log.layout, log.format, log.rows) == (
        "analist",
        "results",
        "xlsx",
        9,
    )
    assert log.filters == {
        "unit": "bestuur",
        "k": 2,
        "show_small": False,
        "submitted_only": False,
    }
    respons = _sheet_rows(wb["Respons"])
    assert ("Respondenten", 9) in [r[:2] for r in respons]
    assert ("Vertegenwoordigde besturen", 11) in [r[:2] for r in respons]


def _bulk_campaign(count: int):
    """A campaign with `count` submitted responses, each for its own municipality."""
    old = make_campaign(
        build_instrument(f"old{count}", ZICHT_2026), f"old-{count}", dt.date(2024, 5, 1)
    )
    campaign = make_campaign(
        build_instrument(f"bulk{count}", ZICHT_2026),
        f"bulk-{count}",
        dt.date(2026, 5, 1),
        previous=old,
    )
    world = World(campaign, old)
    template = Municipality.objects.get(name="Hasselt")
    for i in range(count):
        name = f"Bulk {count}-{i}"
        world.m[name] = Municipality.objects.create(
            name=name,
            nis_code=f"{40000 + count * 100 + i}",
            province=template.province,
            cluster=template.cluster,
            population=1000 + i,
        )
        answers = {
            "signalen": "ja_gelijk",
            "zicht": ["livc"],
            "vormen": {"islam": "toe"},
            "dossiers": i,
            "toelichting": f"tekst {i}",
            "beleid": "ja",
        }
        add_response(
            campaign, f"B{i}", world, [name], ResponseStatus.SUBMITTED, answers
        )
        add_response(old, f"O{i}", world, [name], ResponseStatus.SUBMITTED, answers)
    return campaign


@pytest.mark.parametrize(
    "view", ["results-overview", "results-question", "results-xlsx"]
)
def test_query_count_does_not_grow_with_responses(
    world, staff, view, django_assert_max_num_queries
):
    small, large = _bulk_campaign(5), _bulk_campaign(50)

    def url(campaign):
        args = (
            [campaign.slug, "zicht"] if view == "results-question" else [campaign.slug]
        )
        return reverse(f"responses:{view}", args=args)

    clear_spec_cache()
    with CaptureQueriesContext(connection) as baseline:
        assert staff.get(url(small)).status_code == 200
    clear_spec_cache()
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        response = staff.get(url(large))

    assert response.status_code == 200
    if view == "results-xlsx":
        assert response.content[:2] == b"PK"  # a real workbook, not an error page
    else:
        assert large.name in response.content.decode()
    # A fixed bound, measured: the reads of both waves, plus reads that do not grow
    # with the responses added since (the facts valid on the opening day and the
    # population figures, issue 18; the per-bestuur answers of each wave, issue 12)
    # and the staff session refresh the inactivity timeout needs (issue 13), plus
    # the open answers' ids and reviews for the code counts (issue 17; the codes'
    # prefetch runs only once a review exists).
    assert len(baseline.captured_queries) <= 33
