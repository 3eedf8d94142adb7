import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from municipalities.models import Contact

pytestmark = pytest.mark.django_db

CSV_FORMAT = "0"  # position of csv in import_export's default format list


def test_municipality_changelist_filters_historic_and_searches(
    admin_client, reference_data
):
    url = reverse("admin:municipalities_municipality_changelist")

    historic = admin_client.get(url, {"current": "no", "q": "Borsbeek"})
    by_zone = admin_client.get(url, {"q": "PZ Hekla"})
    by_type = admin_client.get(url, {"cluster__type__exact": "kust", "current": "yes"})

    assert [m.nis_code for m in historic.context["cl"].result_list] == ["11007"]
    assert "Antwerpen (11002)" in historic.content.decode()
    assert {m.name for m in by_zone.context["cl"].result_list} >= {"Aartselaar"}
    assert by_type.context["cl"].result_count == 8


def test_contact_admin_import_shows_row_errors_and_saves_nothing(
    admin_client, reference_data
):
    upload = SimpleUploadedFile(
        "contacts.csv",
        b"nis_code,role,function,name,email,active\n"
        b"11001,mayor,,Goed,goed@example.be,1\n"
        b"11002,chef,,Fout,fout@example.be,1\n",
        content_type="text/csv",
    )

    response = admin_client.post(
        reverse("admin:municipalities_contact_import"),
        {"import_file": upload, "format": CSV_FORMAT},
    )

    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [2]
    assert "Onbekende rol &#x27;chef&#x27;" in response.content.decode()
    assert Contact.objects.count() == 0


def test_contact_changelist_searches_by_municipality(admin_client, reference_data):
    from municipalities.services import create_demo_contacts

    create_demo_contacts(seed=1)
    url = reverse("admin:municipalities_contact_changelist")

    response = admin_client.get(url, {"q": "Aartselaar", "role__exact": "mayor"})

    names = [c.municipality.name for c in response.context["cl"].result_list]
    assert names == ["Aartselaar"]
