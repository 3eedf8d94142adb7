"""The admin speaks Dutch for the responses app and links to the console."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import FieldDoesNotExist

from tests.factories import make_campaign

# Words that are the same in Dutch and in the field name.
SAME_IN_DUTCH = {"status", "filters"}


def test_every_responses_admin_column_and_field_has_a_dutch_label():
    untranslated = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "responses":
            continue
        for field in model._meta.get_fields():
            if not field.concrete or field.auto_created:
                continue
            if (
                field.verbose_name == field.name.replace("_", " ")
                and field.name not in SAME_IN_DUTCH
            ):
                untranslated.append(f"{model.__name__}.{field.name}")
        for name in model_admin.list_display:
            try:
                model._meta.get_field(name)
            except FieldDoesNotExist:
                attr = getattr(model_admin, name, None)
                if attr is not None and not hasattr(attr, "short_description"):
                    untranslated.append(f"{model.__name__} column {name}")

    assert untranslated == []


@pytest.mark.django_db
def test_campaign_changelist_has_dutch_headers_and_a_console_link(client):
    admin_user = User.objects.create_superuser("beheer", "b@vvsg.test", "x")
    client.force_login(admin_user)
    campaign = make_campaign(slug="golf-x")

    html = client.get("/admin/responses/campaign/").content.decode()

    assert "Opent op" in html and "Sluit op" in html and "OPENS AT" not in html
    assert f'href="/beheer/campagnes/{campaign.slug}/"' in html
    assert 'href="/beheer/campagnes/"' in html  # "Site weergeven"
