from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.template import TemplateSyntaxError
from django.urls import resolve

from responses.mailing.outbox import queue_mail
from responses.mailing.rendering import render_mail
from responses.mailing.tokens import find_invitation, hash_token, link_for, new_token
from responses.models import Delivery, DeliveryKind, DeliveryStatus, EmailTemplate
from tests.factories import make_campaign, make_invitation, make_municipality

pytestmark = pytest.mark.django_db

EVIL = '<script>alert("x")</script> & Zonen'


def test_render_mail_escapes_placeholders_in_html_only():
    campaign = make_campaign()

    subject, text, html = render_mail(
        campaign=campaign,
        kind="invitation",
        context={"name": "Jan", "municipality": EVIL, "link": "https://x.test/b/t/"},
    )

    assert EVIL in subject
    assert EVIL in text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Zonen" in html
    assert '<a href="https://x.test/b/t/">' in html


def test_render_mail_prefers_campaign_template_over_file_default():
    campaign = make_campaign(name="Bevraging 2026")
    EmailTemplate.objects.create(
        campaign=campaign,
        kind="invitation",
        subject="Onderwerp {{ campaign }}\nmet regeleinde",
        body_text="Dag {{ name }}, nog {{ days_left }} dagen: {{ link }}",
        body_html="<p>Dag {{ name }}</p>",
    )

    subject, text, html = render_mail(
        campaign=campaign,
        kind="invitation",
        context={"name": "A&B", "days_left": 3, "link": "L"},
    )

    assert subject == "Onderwerp Bevraging 2026 met regeleinde"
    assert text == "Dag A&B, nog 3 dagen: L\n"
    assert html == "<p>Dag A&amp;B</p>"


@pytest.mark.parametrize(
    "source",
    [
        '{% include "base.html" %}',
        "{% load static %}",
        "{% debug %}",
        "{% url 'home' %}",
        "{{ municipality|safe }}",
        "{% autoescape off %}{{ municipality }}{% endautoescape %}",
    ],
)
def test_render_mail_sandbox_refuses_dangerous_tags(source):
    campaign = make_campaign()
    EmailTemplate.objects.create(
        campaign=campaign, kind="invitation", subject="S", body_text=source
    )

    with pytest.raises(TemplateSyntaxError):
        render_mail(campaign=campaign, kind="invitation", context={})


def test_render_mail_drops_non_plain_context_values():
    campaign = make_campaign()
    EmailTemplate.objects.create(
        campaign=campaign, kind="invitation", subject="S", body_text="[{{ obj.pk }}]"
    )

    _, text, _ = render_mail(
        campaign=campaign, kind="invitation", context={"obj": campaign}
    )

    assert text == "[]\n"


def test_queue_mail_twice_creates_one_delivery_and_sends_once(
    django_capture_on_commit_callbacks,
):
    invitation = make_invitation(municipality=make_municipality(name="Zonnebeke"))

    with django_capture_on_commit_callbacks(execute=True):
        first = queue_mail(
            campaign=invitation.campaign,
            kind=DeliveryKind.INVITATION,
            email=invitation.email,
            invitation=invitation,
        )
    with django_capture_on_commit_callbacks(execute=True):
        second = queue_mail(
            campaign=invitation.campaign,
            kind=DeliveryKind.INVITATION,
            email=invitation.email,
            invitation=invitation,
        )

    assert first.pk == second.pk
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [invitation.email]
    assert "Zonnebeke" in mail.outbox[0].subject
    assert link_for(invitation) in mail.outbox[0].body


def test_queue_mail_context_adds_placeholders_but_never_the_link(
    django_capture_on_commit_callbacks,
):
    invitation = make_invitation()
    EmailTemplate.objects.create(
        campaign=invitation.campaign,
        kind="forward",
        subject="Doorgestuurd door {{ forwarded_by }}",
        body_text="{{ link }}",
    )

    with django_capture_on_commit_callbacks(execute=True):
        queue_mail(
            campaign=invitation.campaign,
            kind=DeliveryKind.FORWARD,
            email=invitation.email,
            invitation=invitation,
            context={"forwarded_by": "Burgemeester X", "link": "https://evil.test/"},
        )

    assert mail.outbox[0].subject == "Doorgestuurd door Burgemeester X"
    assert mail.outbox[0].body.strip() == link_for(invitation)


def test_link_for_is_stable_and_finds_its_invitation():
    invitation = make_invitation()

    link = link_for(invitation)
    raw = link.rstrip("/").rsplit("/", 1)[-1]

    assert link_for(invitation) == link
    assert resolve(urlsplit(link).path).url_name == "respondent-start"
    assert raw not in invitation.token_hash
    assert invitation.token_hash == hash_token(raw)
    assert find_invitation(raw_token=raw) == invitation


def test_link_for_rotates_a_legacy_random_token_once():
    raw, digest = new_token()
    invitation = make_invitation()
    invitation.token_nonce, invitation.token_hash = "", digest
    invitation.save()

    link = link_for(invitation)

    assert raw not in link
    assert find_invitation(raw_token=raw) is None
    assert link_for(invitation) == link
