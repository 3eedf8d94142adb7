import pytest

from municipalities.models import Cluster, Municipality
from tests.factories import make_cluster, make_contact, make_municipality, make_province

pytestmark = pytest.mark.django_db


def test_builders_make_valid_rows():
    contact = make_contact()
    other = make_municipality(cluster=make_cluster(), province=make_province())

    for row in (contact, contact.municipality, other, other.cluster, other.province):
        row.full_clean()
    assert Municipality.objects.count() == 2
    assert contact.municipality.nis_code != other.nis_code
    assert contact.municipality.is_current


def test_make_cluster_reuses_the_loaded_cluster(reference_data):
    cluster = make_cluster(code="V16")

    assert (cluster.label, Cluster.objects.count()) == ("Kustgemeenten", 16)
