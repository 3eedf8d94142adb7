import datetime as dt

import pytest

from municipalities.queries import (
    active_contacts,
    current_municipalities,
    current_successor,
    municipalities_on,
    municipality_by_nis,
)
from tests.factories import make_contact, make_municipality

pytestmark = pytest.mark.django_db


def test_current_successor_follows_the_chain():
    today = make_municipality(name="Nieuwstad")
    middle = make_municipality(
        name="Tussenstad", valid_to=dt.date(2025, 1, 1), successor=today
    )
    oldest = make_municipality(
        name="Oudstad", valid_to=dt.date(2019, 1, 1), successor=middle
    )

    assert current_successor(oldest) == today
    assert current_successor(middle) == today
    assert current_successor(today) == today


def test_current_successor_maps_2024_municipalities_onto_2025(reference_data):
    borsbeek = municipality_by_nis("11007")
    kortessem = municipality_by_nis(" 73040 ")

    assert current_successor(borsbeek).name == "Antwerpen"
    assert current_successor(kortessem).nis_code == "71072"
    assert municipality_by_nis("99999") is None


def test_municipalities_on_gives_the_map_of_that_day(reference_data):
    on_2024 = set(
        municipalities_on(dt.date(2024, 12, 31)).values_list("nis_code", flat=True)
    )
    on_2025 = set(
        municipalities_on(dt.date(2025, 1, 1)).values_list("nis_code", flat=True)
    )

    assert on_2025 == set(current_municipalities().values_list("nis_code", flat=True))
    assert "11007" in on_2024 and "11007" not in on_2025
    assert "23106" in on_2025 and "23106" not in on_2024
    assert len(on_2024 - on_2025) == 27 and len(on_2025 - on_2024) == 12


def test_active_contacts_skips_inactive_and_bounced():
    municipality = make_municipality()
    good = make_contact(municipality=municipality)
    make_contact(municipality=municipality, active=False)
    make_contact(municipality=municipality, email_bad=True)

    assert list(active_contacts(municipality)) == [good]
