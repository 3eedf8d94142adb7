"""The demo that `scripts/run` loads: complete, consistent and idempotent."""

import pytest
from django.core import mail

from responses.demo import load_demo
from responses.mailing.tokens import find_invitation
from responses.models import (
    Campaign,
    Delivery,
    DeliveryStatus,
    Response,
    ResponseMunicipality,
)
from surveys import branching
from surveys.queries import instrument_spec

pytestmark = pytest.mark.django_db


def test_load_demo_builds_two_waves_and_mails_every_mayor_once(
    tmp_path, django_capture_on_commit_callbacks
):
    links = tmp_path / "links.txt"

    with django_capture_on_commit_callbacks(execute=True):
        first = load_demo(links_path=links)
    with django_capture_on_commit_callbacks(execute=True):
        again = load_demo(links_path=links)

    # 285 mayors and 2 coordinators; plus one mail to Meerhout's mayor about the
    # pending claim of Laakdal (docs/coverage.md).
    assert (first.invitations, again.invitations) == (287, 287)
    assert first.responses_2024 == again.responses_2024 > 100
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 288
    assert len(mail.outbox) == 288
    claims = ResponseMunicipality.objects.filter(
        campaign__slug="ledenbevraging-2026"
    ).exclude(status="own")
    assert sorted(claims.values_list("municipality__name", "status")) == [
        ("Balen", "authorised"),
        ("Dessel", "authorised"),
        ("Meerhout", "pending"),
        ("Mol", "authorised"),
    ]
    assert Campaign.objects.get(slug="ledenbevraging-2026").previous.slug == (
        "ledenbevraging-2024"
    )
    lines = links.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 287
    token = lines[0].split("\t")[1].rstrip("/").rsplit("/", 1)[1]
    assert find_invitation(raw_token=token).municipality.name == lines[0].split("\t")[0]


def test_demo_answers_respect_the_branching_rules(tmp_path):
    load_demo(links_path=tmp_path / "links.txt")
    campaign = Campaign.objects.get(slug="ledenbevraging-2024")
    spec = instrument_spec(campaign.instrument)

    for response in Response.objects.filter(campaign=campaign)[:40]:
        answers = {a.question.code: a.value for a in response.answers.all()}
        assert branching.visible_answers(spec, answers) == answers
