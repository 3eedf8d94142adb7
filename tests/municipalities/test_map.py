"""One home for "which municipalities exist" and one successor resolver."""

from __future__ import annotations

import datetime as dt

import pytest

from municipalities.models import Municipality
from municipalities.queries import (
    SuccessorCycleError,
    current_successor,
    follow_successors,
)
from responses.reporting.results.data import load_directory
from tests.factories import make_municipality

pytestmark = pytest.mark.django_db

MERGER = dt.date(2025, 1, 1)


def _merger():
    antwerpen = make_municipality(name="Antwerpen", valid_from=None)
    borsbeek = make_municipality(name="Borsbeek", valid_to=MERGER, successor=antwerpen)
    nieuw = make_municipality(name="Nieuwgemeente", valid_from=MERGER)
    return antwerpen, borsbeek, nieuw


def test_queryset_current_is_today_map():
    antwerpen, borsbeek, nieuw = _merger()

    current = set(Municipality.objects.current())

    assert {antwerpen, nieuw} <= current and borsbeek not in current


def test_queryset_on_date_gives_the_map_of_that_day():
    antwerpen, borsbeek, nieuw = _merger()

    before = set(Municipality.objects.on(dt.date(2024, 12, 31)))
    after = set(Municipality.objects.on(MERGER))

    assert {antwerpen, borsbeek} <= before and nieuw not in before
    assert {antwerpen, nieuw} <= after and borsbeek not in after


def test_follow_successors_walks_a_chain_and_raises_on_a_cycle():
    links = {1: 2, 2: 3, 3: None, 7: 8, 8: 7}

    assert follow_successors(1, links.get) == 3
    assert follow_successors(3, links.get) == 3
    with pytest.raises(SuccessorCycleError, match="kring"):
        follow_successors(7, links.get)


def test_successor_cycle_raises_the_same_error_in_the_database_and_the_directory():
    a = make_municipality(name="A", valid_to=MERGER)
    b = make_municipality(name="B", valid_to=MERGER, successor=a)
    Municipality.objects.filter(pk=a.pk).update(successor=b)  # a bad manual edit
    a.refresh_from_db()

    with pytest.raises(SuccessorCycleError):
        current_successor(a)
    with pytest.raises(SuccessorCycleError):
        load_directory().current(a.pk)


def test_directory_and_database_resolve_the_merger_alike():
    antwerpen, borsbeek, _ = _merger()

    assert current_successor(borsbeek) == antwerpen
    assert load_directory().current(borsbeek.pk).name == "Antwerpen"
