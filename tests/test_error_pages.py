"""Dutch error pages, with a login link where signing in helps."""

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_on_results_gets_dutch_403_with_login_link(client):
    response = client.get("/resultaten/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "Geen toegang" in html and "Forbidden" not in html
    assert "/admin/login/?next=/resultaten/" in html


def test_staff_without_permission_is_told_which_account_lacks_the_right(client):
    user = User.objects.create_user("jan", password="x", is_staff=True)
    client.force_login(user)

    html = client.get("/resultaten/").content.decode()

    assert "aangemeld als jan" in html and "login-link" not in html


def test_unknown_page_gets_dutch_404(client):
    response = client.get("/bestaat-niet/")

    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.content.decode()


def test_server_error_page_is_dutch_and_standalone():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()
