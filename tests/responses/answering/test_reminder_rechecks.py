"""Send-time re-checks and reminder audiences: moot reminders, delegated and partial
besturen, pending claims.

Written against the survivors of the mutation run over responses/answering/coverage.py
(docs/testing.md). Every check is made against a bystander: another campaign, another
coordinator, a pending claim, an unsubmitted response.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from responses.answering.coverage import (
    delegated_besturen,
    is_covered,
    partial_municipality_ids,
    pending_claims,
    reminder_is_moot,
)
from responses.models import (
    Answer,
    ClaimStatus,
    Delivery,
    DeliveryKind,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)
from surveys.models import Instrument, Question, Section
from tests.factories import (
    add_question,
    make_campaign,
    make_invitation,
    make_municipality,
)

pytestmark = pytest.mark.django_db

SUBMITTED, PARTIAL, STARTED = (
    ResponseStatus.SUBMITTED,
    ResponseStatus.PARTIAL,
    ResponseStatus.STARTED,
)


def _claim(campaign, municipality, *, status=SUBMITTED, claim=ClaimStatus.OWN, by=None):
    response = Response.objects.create(campaign=campaign, status=status)
    return ResponseMunicipality.objects.create(
        response=response,
        campaign=campaign,
        municipality=municipality,
        status=claim,
        claimed_by=by,
    )


def _reminder(invitation, context):
    return Delivery.objects.create(
        campaign=invitation.campaign,
        invitation=invitation,
        kind=DeliveryKind.REMINDER,
        email=invitation.email,
        context=context,
    )


def test_a_reminder_without_invitation_is_never_moot():
    campaign = make_campaign()
    delivery = Delivery.objects.create(
        campaign=campaign, kind=DeliveryKind.REMINDER, email="x@example.test"
    )

    assert reminder_is_moot(delivery=delivery) is False


def test_a_mayors_reminder_lapses_once_their_bestuur_is_covered_in_this_campaign():
    campaign = make_campaign()
    mayor = make_invitation(campaign=campaign)
    delivery = _reminder(mayor, {"round_label": "eerste"})
    _claim(make_campaign(), mayor.municipality)  # another campaign: no effect

    before = reminder_is_moot(delivery=delivery)
    _claim(campaign, mayor.municipality)

    assert (before, reminder_is_moot(delivery=delivery)) == (False, True)
    assert is_covered(campaign=campaign, municipality_id=mayor.municipality_id)


def test_a_coordinators_reminder_lapses_only_when_every_named_bestuur_is_covered():
    campaign = make_campaign()
    coordinator = make_invitation(campaign=campaign)
    x, y = make_municipality(), make_municipality()
    response = Response.objects.create(campaign=campaign, status=PARTIAL)
    for municipality in (x, y):
        ResponseMunicipality.objects.create(
            response=response,
            campaign=campaign,
            municipality=municipality,
            status=ClaimStatus.AUTHORISED,
            claimed_by=coordinator,
        )
    # Not counted: a pending claim of the same coordinator, another coordinator's
    # open bestuur, and the coordinator's own bestuur being covered.
    _claim(
        campaign,
        make_municipality(),
        status=PARTIAL,
        claim=ClaimStatus.PENDING,
        by=coordinator,
    )
    other = make_invitation(campaign=campaign)
    _claim(
        campaign,
        make_municipality(),
        status=PARTIAL,
        claim=ClaimStatus.AUTHORISED,
        by=other,
    )
    _claim(campaign, coordinator.municipality)
    delivery = _reminder(coordinator, {"open_besturen": [x.name, y.name]})
    _claim(campaign, x)
    _claim(make_campaign(), y)  # covered elsewhere only

    one_open = reminder_is_moot(delivery=delivery)
    _claim(campaign, y)

    assert (one_open, reminder_is_moot(delivery=delivery)) == (False, True)


def test_delegated_besturen_leave_out_those_covered_in_this_campaign():
    campaign = make_campaign()
    coordinator = make_invitation(campaign=campaign)
    covered, open_ = make_municipality(), make_municipality()
    response = Response.objects.create(campaign=campaign, status=PARTIAL)
    for municipality in (covered, open_):
        ResponseMunicipality.objects.create(
            response=response,
            campaign=campaign,
            municipality=municipality,
            status=ClaimStatus.ACCEPTED,
            claimed_by=coordinator,
        )
    _claim(campaign, covered)

    assert delegated_besturen(campaign=campaign) == {coordinator.pk: [open_.pk]}


def test_partial_besturen_have_a_partial_response_or_stored_answers():
    campaign = make_campaign(instrument=Instrument.objects.create(
        code="p", version="1", title="P", source_sha256="p" * 64))  # fmt: skip
    section = Section.objects.create(
        instrument=campaign.instrument, code="s", order=1, title="S"
    )
    add_question(
        instrument=campaign.instrument, section=section, code="q1", order=1, type="text"
    )
    question = Question.objects.get(instrument=campaign.instrument, code="q1")
    partial = _claim(campaign, make_municipality(), status=PARTIAL)
    answered = _claim(campaign, make_municipality(), status=STARTED)
    Answer.objects.create(response=answered.response, question=question, value="x")
    _claim(campaign, make_municipality(), status=STARTED)  # nothing answered
    done = _claim(campaign, make_municipality(), status=SUBMITTED)
    Answer.objects.create(response=done.response, question=question, value="x")
    # Through an invitation only (no bestuur row): started with answers, in this
    # campaign and in another one, and submitted.
    via = make_invitation(campaign=campaign)
    via.response = Response.objects.create(campaign=campaign, status=STARTED)
    via.save()
    Answer.objects.create(response=via.response, question=question, value="x")
    sent = make_invitation(campaign=campaign)
    sent.response = Response.objects.create(campaign=campaign, status=SUBMITTED)
    sent.save()
    make_invitation(campaign=campaign)  # never started
    elsewhere = make_invitation(campaign=make_campaign())
    elsewhere.response = Response.objects.create(
        campaign=elsewhere.campaign, status=PARTIAL
    )
    elsewhere.save()

    assert partial_municipality_ids(campaign=campaign) == {
        partial.municipality_id,
        answered.municipality_id,
        via.municipality_id,
    }


def test_pending_claims_of_this_campaign_oldest_first():
    campaign = make_campaign()
    late = _claim(campaign, make_municipality(), claim=ClaimStatus.PENDING)
    early = _claim(campaign, make_municipality(), claim=ClaimStatus.PENDING)
    ResponseMunicipality.objects.filter(pk=early.pk).update(
        added_at=timezone.now() - timedelta(days=1)
    )
    _claim(campaign, make_municipality())  # own, not pending
    _claim(make_campaign(), make_municipality(), claim=ClaimStatus.PENDING)

    assert list(pending_claims(campaign=campaign)) == [early, late]


def test_delegated_besturen_are_this_campaigns_current_besturen_of_live_coordinators():
    campaign, other = make_campaign(), make_campaign()
    coordinator = make_invitation(campaign=campaign)
    revoked = make_invitation(campaign=campaign, revoked_at=timezone.now())
    elsewhere = make_invitation(campaign=other)
    open_, merged, of_revoked, of_other = (make_municipality() for _ in range(4))
    merged.valid_to = timezone.localdate() - timedelta(days=1)
    merged.save()
    delegated = {"status": PARTIAL, "claim": ClaimStatus.AUTHORISED}
    _claim(campaign, open_, by=coordinator, **delegated)
    # Merged away, a revoked coordinator's, another campaign's: none is reminded.
    _claim(campaign, merged, by=coordinator, **delegated)
    _claim(campaign, of_revoked, by=revoked, **delegated)
    _claim(other, of_other, by=elsewhere, **delegated)

    assert delegated_besturen(campaign=campaign) == {coordinator.pk: [open_.pk]}


def test_partial_besturen_count_only_this_campaigns_covering_claims():
    campaign, other = make_campaign(), make_campaign()
    mine, theirs, pending = (make_municipality() for _ in range(3))
    _claim(campaign, mine, status=PARTIAL)
    _claim(other, theirs, status=PARTIAL)  # partial, but in another campaign
    claimant = make_invitation(campaign=campaign)
    _claim(campaign, pending, status=PARTIAL, claim=ClaimStatus.PENDING, by=claimant)

    assert partial_municipality_ids(campaign=campaign) == {mine.pk}
