"""The local mirror as a PDF: rendered by a worker, stored, served only to the
bestuur's own link, with the same numbers and protection as the page."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from responses.mailing.tokens import raw_token_for
from responses.models import MirrorCopy
from responses.reporting.mirror_pdf import store_mirror_copy
from responses.reporting.publishing import publish_results, withdraw_results
from surveys.queries import clear_spec_cache
from tests.responses.reporting.results_world import build_world, invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    clear_spec_cache()
    return build_world()


def pdf_url(invitation) -> str:
    return f"/b/{raw_token_for(invitation)}/spiegel/pdf/"


def _text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def _download(client, url, capture):
    """The first request asks the worker (eager here); the next serves the copy."""
    with capture(execute=True):
        pending = client.get(url)
    assert pending.status_code == 202
    assert "Uw spiegel wordt klaargemaakt" in pending.content.decode()
    return client.get(url)


def test_pdf_has_own_answer_and_the_flanders_comparison(
    world, client, django_capture_on_commit_callbacks
):
    publish_results(campaign=world.current, user=None)
    genk = invite(world, "Genk")

    page = client.get(f"/b/{raw_token_for(genk)}/spiegel/").content.decode()
    reply = _download(client, pdf_url(genk), django_capture_on_commit_callbacks)
    text = _text(reply.content)

    assert pdf_url(genk) in page  # the page links its own PDF
    assert reply["Content-Type"] == "application/pdf"
    assert "lokale-spiegel-genk-lb-2026.pdf" in reply["Content-Disposition"]
    assert "private, no-store" in reply["Cache-Control"]
    assert "Lokale spiegel van Genk" in text
    # Genk answered ja_gelijk now and ja_daling in 2024 (as on the page).
    assert "Uw antwoord: Ja (gelijk)" in text
    assert "Ja (daling)" in text
    # The Flanders comparison with its shares; Limburg is hidden, as on the page.
    assert re.search(r"Andere Vlaamse besturen \(n=10\).*\d+%", text)
    assert "Andere besturen in provincie Limburg: niet getoond" in text
    assert "Andere besturen in provincie Limburg (n=6)" not in text
    # A matrix row with Genk's own scale point (its groups are below k=5 here).
    assert re.search(r"— Islamistisch Uw antwoord: Toegenomen", text)
    assert MirrorCopy.objects.filter(municipality=world.m["Genk"]).count() == 1


def test_non_participant_pdf_has_flanders_and_the_invitation(
    world, client, django_capture_on_commit_callbacks
):
    publish_results(campaign=world.current, user=None)
    zoersel = invite(world, "Zoersel")

    text = _text(
        _download(client, pdf_url(zoersel), django_capture_on_commit_callbacks).content
    )

    assert "Zoersel nam niet deel aan deze bevraging" in text
    assert "Vlaamse besturen (n=11)" in text
    assert "Uw antwoord" not in text


def test_token_for_b_cannot_fetch_the_pdf_of_a(
    world, client, django_capture_on_commit_callbacks
):
    publish_results(campaign=world.current, user=None)
    invite(world, "Genk")
    hasselt = invite(world, "Hasselt")
    # A's copy exists already: B must not get it by naming A.
    store_mirror_copy(campaign_id=world.current.pk, municipality_id=world.m["Genk"].pk)

    with django_capture_on_commit_callbacks(execute=True):
        other = client.get(pdf_url(hasselt) + f"?bestuur={world.m['Genk'].nis_code}")
    own = _download(client, pdf_url(hasselt), django_capture_on_commit_callbacks)

    assert other.status_code == 404
    assert b"Genk" not in other.content and b"%PDF" not in other.content
    assert "Lokale spiegel van Hasselt" in _text(own.content)
    assert "Genk" not in _text(own.content)
    assert sorted(MirrorCopy.objects.values_list("municipality__name", flat=True)) == [
        "Genk",
        "Hasselt",
    ]


def test_coordinator_link_gets_the_pdf_of_a_covered_bestuur(
    world, client, django_capture_on_commit_callbacks
):
    publish_results(campaign=world.current, user=None)
    mortsel = invite(world, "Mortsel")
    mortsel.response = world.responses["R2"]
    mortsel.save()
    url = pdf_url(mortsel) + f"?bestuur={world.m['Edegem'].nis_code}"

    text = _text(_download(client, url, django_capture_on_commit_callbacks).content)

    assert "Lokale spiegel van Edegem" in text


def test_unpublished_or_withdrawn_results_give_no_pdf(
    world, client, django_capture_on_commit_callbacks
):
    hasselt = invite(world, "Hasselt")
    with django_capture_on_commit_callbacks(execute=True):
        before = client.get(pdf_url(hasselt))
    publish_results(campaign=world.current, user=None)
    shown = _download(client, pdf_url(hasselt), django_capture_on_commit_callbacks)
    withdraw_results(campaign=world.current, user=None)
    after = client.get(pdf_url(hasselt))

    assert before.status_code == 404 and "niet gepubliceerd" in before.content.decode()
    assert shown.content.startswith(b"%PDF")
    assert after.status_code == 404 and b"%PDF" not in after.content
    # A worker that runs after the withdrawal renders nothing.
    assert (
        store_mirror_copy(
            campaign_id=world.current.pk, municipality_id=world.m["Genk"].pk
        )
        is None
    )


def test_publishing_again_renders_a_fresh_copy_and_drops_the_old(
    world, client, django_capture_on_commit_callbacks
):
    publish_results(campaign=world.current, user=None)
    hasselt = invite(world, "Hasselt")
    _download(client, pdf_url(hasselt), django_capture_on_commit_callbacks)
    first = MirrorCopy.objects.get()
    withdraw_results(campaign=world.current, user=None)
    publish_results(campaign=world.current, user=None)

    second = _download(client, pdf_url(hasselt), django_capture_on_commit_callbacks)

    assert second.content.startswith(b"%PDF")
    assert list(MirrorCopy.objects.values_list("pk", flat=True)) != [first.pk]
    assert MirrorCopy.objects.count() == 1
