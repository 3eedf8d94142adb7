"""Issue 17: publishing, the local mirror, its small-cell protection, member page."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from municipalities.models import ClusterType
from responses.mailing.tokens import raw_token_for
from responses.models import Delivery, DeliveryKind, DeliveryStatus, ResponseStatus
from responses.reporting.mirror import build_mirror, mirror_question, protect
from responses.reporting.publishing import (
    participating_ids,
    publish_results,
    withdraw_results,
)
from responses.reporting.results.tables import Unit
from surveys.branching import OptionSpec, QuestionSpec
from surveys.queries import clear_spec_cache
from tests.responses.reporting.results_world import add_response, build_world, invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    clear_spec_cache()
    return build_world()


def mirror_url(invitation) -> str:
    return reverse("responses:view-mirror", args=[raw_token_for(invitation)])


def staff_client(client, *codenames):
    user = User.objects.create_user("analist", password="x", is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return user


# --- publishing ----------------------------------------------------------------


def test_publishing_mails_each_participating_bestuur_exactly_once(
    world, django_capture_on_commit_callbacks
):
    antwerpen = invite(world, "Antwerpen")
    invite(world, "Antwerpen", kind="staff")  # a second link: no second mail
    invite(world, "Hasselt")
    invite(world, "Kontich")  # opened, answered nothing: did not take part
    invite(world, "Zoersel")  # never answered
    user = User.objects.create_user("pub")

    with django_capture_on_commit_callbacks(execute=True):
        first = publish_results(campaign=world.current, user=user)
    withdraw_results(campaign=world.current, user=user)
    with django_capture_on_commit_callbacks(execute=True):
        again = publish_results(campaign=world.current, user=user)

    deliveries = Delivery.objects.filter(kind=DeliveryKind.RESULTS)
    assert first.queued == 2 and again.queued == 0
    assert sorted(d.invitation.municipality.name for d in deliveries) == [
        "Antwerpen",
        "Hasselt",
    ]
    assert {d.status for d in deliveries} == {DeliveryStatus.SENT}
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if "Antwerpen" in m.subject)
    assert message.to == [antwerpen.email]
    assert mirror_url(antwerpen) in message.body
    assert "lokale spiegel" in message.body


def test_participating_besturen_follow_the_respondent_rule(world):
    names = {
        m.name for m in world.m.values() if m.pk in participating_ids(world.current)
    }
    # R10 (Kontich) opened the questionnaire but saved nothing.
    assert "Kontich" not in names
    assert {"Mortsel", "Edegem", "Boechout", "Tongeren"} <= names


def test_an_answer_the_branching_hides_is_no_participation(world, client):
    # zicht is asked only after a "ja" on signalen: Zoersel's answer is hidden.
    add_response(
        world.current,
        "R12",
        world,
        ["Zoersel"],
        ResponseStatus.PARTIAL,
        {"zicht": ["livc"]},
    )
    _published(world)
    zoersel = invite(world, "Zoersel")

    html = client.get(mirror_url(zoersel)).content.decode()

    assert world.m["Zoersel"].pk not in participating_ids(world.current)
    assert "nam niet deel aan deze bevraging" in html


def test_results_mail_left_after_withdrawal_is_skipped(world, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    invite(world, "Hasselt")
    user = User.objects.create_user("pub")
    publish_results(campaign=world.current, user=user)  # on_commit not run: pending
    withdraw_results(campaign=world.current, user=user)
    delivery = Delivery.objects.get(kind=DeliveryKind.RESULTS)

    from responses.mailing.sending import send_delivery

    send_delivery(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SKIPPED
    assert mail.outbox == []


def test_publication_page_needs_both_permissions(world, client):
    url = reverse("responses:results-publication", args=["lb-2026"])
    assert client.get(url).status_code == 403
    staff_client(client, "view_results")
    reply = client.get(url)
    assert reply.status_code == 403 and b"Hasselt" not in reply.content


def test_staff_publish_and_withdraw_through_the_page(
    world, client, django_capture_on_commit_callbacks
):
    invite(world, "Hasselt")
    user = staff_client(client, "view_results", "send_mailings")
    page = reverse("responses:results-publication", args=["lb-2026"])
    change = reverse("responses:change-publication", args=["lb-2026"])

    html = client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change, {"action": "publish"})
    published = client.get(page).content.decode()
    client.post(change, {"action": "withdraw"})
    withdrawn = client.get(page).content.decode()

    assert "Niet gepubliceerd" in html and "spiegel bekijken" in html
    assert "Gepubliceerd" in published and "analist" in published
    assert "Ingetrokken" in withdrawn
    assert world.current.publication.withdrawn_by == user
    assert len(mail.outbox) == 1


# --- the mirror ----------------------------------------------------------------


def _published(world):
    publish_results(campaign=world.current, user=None)


def test_mirror_shows_own_answer_groups_and_previous_wave(world, client):
    _published(world)
    genk = invite(world, "Genk")

    html = client.get(mirror_url(genk) + "").content.decode()

    assert "Lokale spiegel van Genk" in html
    # Genk answered ja_gelijk now and ja_daling in 2024.
    assert "Uw antwoord:</span>\n    Ja (gelijk)" in html
    assert "Ja (daling)" in html and "vorige keer" in html
    # Flanders: 10 other besturen answered signalen (11 minus Genk) -> k=5 shown.
    assert "Andere Vlaamse besturen (n=10)" in html
    # Limburg has 6 others (Hasselt, Bree, Peer, Lommel, Tongeren, Maasmechelen),
    # but Flanders minus Limburg is only the 4 Antwerp besturen (< k): hidden, or
    # the two columns together would give away those four besturen's answers.
    assert "Andere besturen in provincie Limburg (n=6)" not in html
    assert "Andere besturen in provincie Limburg: niet getoond (zou via het" in html
    # Other economic municipalities: Lommel, Maasmechelen = 2 < 5: hidden.
    assert "Andere gemeenten met economische aantrekking: niet getoond" in html
    assert "style=" not in html and "<script>" not in html.split("</main>")[0]
    # A long page: the themes are listed on top, each a link to its block.
    assert '<a href="#theme-radicalisering">Gewelddadige radicalisering</a>' in html


def test_previous_wave_through_the_merger_crosswalk(world, client):
    _published(world)
    antwerpen = invite(world, "Antwerpen")

    mirror = build_mirror(world.current, municipality_id=world.m["Antwerpen"].pk, k=5)
    signalen = mirror.themes[0].questions[0]

    # 2024: Antwerpen (submitted, ja_gelijk) beats merged Borsbeek (partial, neen).
    assert signalen.previous_labels == ("Ja (gelijk)",)
    assert mirror.previous_participated
    assert client.get(mirror_url(antwerpen)).status_code == 200


def test_non_participant_sees_flanders_and_an_invitation(world, client):
    _published(world)
    zoersel = invite(world, "Zoersel")

    html = client.get(mirror_url(zoersel)).content.decode()

    assert "Zoersel nam niet deel aan deze bevraging" in html
    assert "Doe de volgende keer mee" in html
    assert "Vlaamse besturen (n=11)" in html
    assert "provincie Antwerpen" not in html and "Uw antwoord" not in html


def test_token_for_a_never_sees_b(world, client):
    _published(world)
    hasselt = invite(world, "Hasselt")

    own = client.get(mirror_url(hasselt))
    other = client.get(mirror_url(hasselt) + f"?bestuur={world.m['Genk'].nis_code}")

    assert own.status_code == 200
    assert other.status_code == 404 and b"Genk" not in other.content


def test_coordinator_link_picks_only_its_own_besturen(world, client):
    _published(world)
    mortsel = invite(world, "Mortsel")
    mortsel.response = world.responses["R2"]
    mortsel.save()

    edegem = client.get(mirror_url(mortsel) + f"?bestuur={world.m['Edegem'].nis_code}")
    genk = client.get(mirror_url(mortsel) + f"?bestuur={world.m['Genk'].nis_code}")

    assert "Lokale spiegel van Edegem" in edegem.content.decode()
    assert genk.status_code == 404


def test_withdrawn_results_disappear_at_once(world, client):
    hasselt = invite(world, "Hasselt")
    before = client.get(mirror_url(hasselt))
    _published(world)
    shown = client.get(mirror_url(hasselt))
    withdraw_results(campaign=world.current, user=None)
    after = client.get(mirror_url(hasselt))
    page = client.get(reverse("responses:member-results", args=["lb-2026"]))

    assert (
        before.status_code == 404
        and "(nog) niet gepubliceerd" in before.content.decode()
    )
    assert shown.status_code == 200
    assert after.status_code == 404 and b"Andere" not in after.content
    assert page.status_code == 404


def test_staff_preview_needs_the_results_permission(world, client):
    url = reverse("responses:preview-mirror", args=["lb-2026", "71072"])
    assert client.get(url).status_code == 403
    staff_client(client, "view_results")
    html = client.get(url).content.decode()
    assert "Voorbeeld voor medewerkers" in html and "Lokale spiegel van Hasselt" in html


# --- small-cell protection ---------------------------------------------------


YES_NO = QuestionSpec(
    code="q",
    number=1,
    section="s",
    type="single",
    text="Vraag",
    required=False,
    condition=None,
    options=(OptionSpec("ja", "Ja"), OptionSpec("nee", "Nee")),
)


def _units(family_size: int, province_extra: int, flanders_extra: int):
    """Viewer 0 + (family_size - 1) others in family F and province P, plus extras."""
    units = [Unit(key="m:0", answers={"q": "ja"}, family="woon", province="P")]
    for i in range(1, family_size):
        units.append(Unit(f"m:f{i}", {"q": "nee"}, family="woon", province="P"))
    for i in range(province_extra):
        units.append(Unit(f"m:p{i}", {"q": "ja"}, family="steden", province="P"))
    for i in range(flanders_extra):
        units.append(Unit(f"m:v{i}", {"q": "ja"}, family="steden", province="Q"))
    return units


def _groups(units, k=3):
    from responses.reporting.results.units import Bestuur

    viewer = Bestuur(id=1, nis_code="0", name="Wij", family="woon", province="P")
    question = mirror_question(YES_NO, units, viewer, k=k, participated=True)
    return {g.key: g for g in question.groups}, question


@pytest.mark.parametrize(("size", "shown"), [(3, False), (4, True)])
def test_group_of_k_is_hidden_and_of_k_plus_one_shown(size, shown):
    # k = 3. A cluster-type group of k besturen including the viewer has only
    # k-1 others; with k+1 it has k others. Province and Flanders stay far apart.
    groups, question = _groups(_units(size, province_extra=5, flanders_extra=10))

    assert groups["family"].shown is shown
    assert groups["family"].n == size - 1
    assert groups["province"].shown and groups["flanders"].shown
    if shown:
        assert question.rows[1].shares[0] == "100%"  # all other woon: nee


@pytest.mark.parametrize(("extra", "family_shown"), [(2, False), (3, True)])
def test_no_difference_between_groups_reveals_a_few_besturen(extra, family_shown):
    # Family has 4 others; the province holds those plus `extra` besturen. With a
    # difference below k (2) the province minus the family would show those two
    # besturen's answers: the family (the smaller group) is hidden.
    groups, _ = _groups(_units(5, province_extra=extra, flanders_extra=10))

    assert groups["province"].shown
    assert groups["family"].shown is family_shown
    if not family_shown:
        assert "verschil" in groups["family"].reason


def test_flanders_just_above_the_province_hides_the_province():
    groups, _ = _groups(_units(2, province_extra=4, flanders_extra=1))

    assert groups["flanders"].shown and groups["flanders"].n == 6
    assert not groups["province"].shown  # 5 others, Flanders adds only one


def test_protect_hides_everything_below_k():
    groups = protect([("flanders", "Vlaanderen", [Unit("m:1", {})] * 2)], k=3)
    assert not groups[0].shown


def test_family_labels_are_dutch():
    assert dict(ClusterType.choices)["economisch"].startswith("Gemeenten met")


# --- member results page -----------------------------------------------------


def test_member_page_is_public_without_names_or_open_answers(world, client, settings):
    settings.RESULTS_MIN_CELL = 3
    add_response(
        world.current,
        "R11",
        world,
        ["Zoersel"],
        ResponseStatus.SUBMITTED,
        {"signalen": "neen", "toelichting": "Burgemeester Jansens vraagt hulp"},
    )
    _published(world)

    html = client.get(reverse("responses:member-results", args=["lb-2026"])).content
    html = html.decode()

    assert "Resultaten van Ledenbevraging lb-2026" in html
    assert "Ja (gelijk)" in html and 'width="' in html  # table and SVG chart
    # k=3 per cluster type: woon (Mortsel, Edegem, Zoersel), landelijk (Boechout,
    # Bree, Peer) and economisch (3) are shown; steden (2) and verstedelijkt (1)
    # are left out and together hold 3 >= k besturen, so Totaal minus the shown
    # columns reveals no single bestuur.
    assert "Woongemeenten (n=3)" in html and "Landelijke gemeenten (n=3)" in html
    assert "Grote en regionale" not in html and "Verstedelijkte" not in html
    assert "&lt;3: minder dan 3 besturen, niet getoond" in html  # plain words
    assert "Minimum" not in html  # one bestuur's own figure
    for secret in ("Jansens", "Wijkagent", "hallo", "Hasselt", "Genk", "Limburg"):
        assert secret not in html
    assert "style=" not in html


def test_member_workbook_has_the_tables_without_open_answers(world, client):
    _published(world)

    reply = client.get(reverse("responses:member-results-xlsx", args=["lb-2026"]))
    book = load_workbook(BytesIO(reply.content))
    cells = [
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]

    assert "signalen" in book.sheetnames and "toelichting" not in book.sheetnames
    assert "Ja (gelijk)" in cells
    assert not any("Wijkagent" in c or "hallo" in c or "HYPERLINK" in c for c in cells)


def _tab(sizes: dict[str, int]):
    from responses.reporting.results.tables import crosstab

    units = [
        Unit(f"m:{family}{i}", {"q": "ja"}, family=family)
        for family, n in sizes.items()
        for i in range(n)
    ]
    groups = [(family, family.title()) for family in sizes]
    return crosstab(YES_NO, units, groups=groups, group_of=lambda u: u.family, k=2)


def test_member_crosstab_drops_small_groups_and_their_complement():
    from responses.reporting.member_results import without_small_groups

    tab = _tab({"a": 6, "b": 4, "c": 1, "d": 2})

    # k=3: c (1) and d (2) go; together 3 >= k, so nothing more.
    k3 = without_small_groups(tab, k=3)
    # k=2: only c (1) is too small; alone it would follow from Totaal minus the
    # rest, so the smallest shown group (d, 2) goes with it.
    k2 = without_small_groups(tab, k=2)

    assert [g[0] for g in k3.groups] == ["a", "b"]
    assert [len(row.cells) for row in k3.rows] == [2, 2]
    assert [g[0] for g in k2.groups] == ["a", "b"]
    assert without_small_groups(tab, k=7) is None


# --- matrix rows -------------------------------------------------------------


def test_matrix_rows_are_compared_row_by_row_with_their_own_protection(world):
    _published(world)

    mirror = build_mirror(world.current, municipality_id=world.m["Genk"].pk, k=3)
    rows = {
        q.code: q
        for theme in mirror.themes
        for q in theme.questions
        if q.code.startswith("vormen-")
    }

    # One block per matrix row, in the instrument's row order.
    assert list(rows) == ["vormen-islam", "vormen-rechts", "vormen-links"]
    islam = rows["vormen-islam"]
    assert islam.text.endswith("— Islamistisch")
    # Genk said "Toegenomen" for islam; Antwerpen (toe), Hasselt (stab) and
    # Maasmechelen (af) are the 3 other besturen that answered this row.
    assert islam.own_labels == ("Toegenomen",)
    flanders = [g for g in islam.groups if g.key == "flanders"]
    assert [(g.n, g.shown) for g in flanders] == [(3, True)]
    assert [(r.label, r.own, r.shares) for r in islam.rows] == [
        ("Toegenomen", True, ("33%",)),
        ("Gestabiliseerd", False, ("33%",)),
        ("Afgenomen", False, ("33%",)),
    ]
    # Limburg's other besturen on this row: Hasselt, Maasmechelen (2 < k).
    province = next(g for g in islam.groups if g.key == "province")
    assert not province.shown
    # Genk left "Rechts" open: no own answer, but the four others are shown.
    rechts = rows["vormen-rechts"]
    assert not rechts.own_answered
    assert next(g for g in rechts.groups if g.key == "flanders").n == 4
    # "Links": only Hasselt answered it visibly (Maasmechelen's is hidden by
    # branching): below k, nothing is shown.
    assert rows["vormen-links"].shown_groups == ()


def test_matrix_rows_on_the_mirror_page(world, client, settings):
    settings.RESULTS_MIN_CELL = 3
    _published(world)
    genk = invite(world, "Genk")

    html = client.get(mirror_url(genk)).content.decode()

    assert 'id="q-vormen-islam"' in html
    assert "— Islamistisch" in html
    assert "Andere Vlaamse besturen (n=3)" in html


def test_matrix_rows_show_the_previous_wave_per_row(world):
    add_response(
        world.previous,
        "P9",
        world,
        ["Maasmechelen"],
        ResponseStatus.SUBMITTED,
        {"signalen": "ja_stijging", "vormen": {"islam": "toe", "links": "stab"}},
    )

    mirror = build_mirror(
        world.current, municipality_id=world.m["Maasmechelen"].pk, k=3
    )
    rows = {q.code: q for t in mirror.themes for q in t.questions}

    # Now: islam af; 2024: islam toe. Rechts was not answered in 2024.
    assert rows["vormen-islam"].own_labels == ("Afgenomen",)
    assert rows["vormen-islam"].previous_labels == ("Toegenomen",)
    assert [r.label for r in rows["vormen-islam"].rows if r.previous] == ["Toegenomen"]
    assert rows["vormen-rechts"].previous_labels is None
    assert rows["vormen-links"].previous_labels == ("Gestabiliseerd",)
