import pytest

pytestmark = pytest.mark.django_db


def test_home_page_points_mayors_to_their_invitation(client):
    response = client.get("/")
    assert "persoonlijke link" in response.content.decode()
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
