"""The fast wire format (responses/mailing/mime.py) reads back as Django's does."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from django.core.mail import EmailMultiAlternatives

from responses.mailing.mime import is_fast, message_bytes
from tests.responses.mailing.mail_kinds import KINDS, build_kind

pytestmark = pytest.mark.django_db

HEADERS = (
    "Subject",
    "From",
    "To",
    "Reply-To",
    "Message-ID",
    "X-VVSG-Delivery",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Auto-Submitted",
    "MIME-Version",
)


def _read(raw: bytes) -> dict:
    parsed = message_from_bytes(raw, policy=policy.default)
    parts = [p for p in parsed.walk() if not p.is_multipart()]
    # policy.default sometimes folds a long subject right after "Subject:", which
    # reads back with a leading space; the fast writer's subject is exact (below).
    return {
        "headers": {name: (parsed[name] or "").strip() for name in HEADERS},
        "date": bool(parsed["Date"]),
        "type": parsed.get_content_type(),
        "parts": [(p.get_content_type(), p.get_content()) for p in parts],
    }


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "name", ["Zonnebeke", "Sint-Katelijne-Waver en Heist-op-den-Berg Coördinatie"]
)
def test_fast_bytes_read_back_like_djangos_message(kind, name):
    _, message = build_kind(kind, municipality_name=name)

    fast = message_bytes(message)

    assert is_fast(message)
    assert fast.isascii()
    assert _read(fast) == _read(message.message().as_bytes())
    parsed = message_from_bytes(fast, policy=policy.default)
    assert parsed["Subject"] == message.subject
    assert max(len(line) for line in fast.split(b"\n")) <= 998


def test_a_mail_with_an_attachment_goes_through_djangos_serialiser():
    _, message = build_kind("confirmation")
    message.attach("antwoorden.pdf", b"%PDF-1.7 kopie", "application/pdf")

    raw = message_bytes(message)

    assert not is_fast(message)
    assert _read(raw)["parts"][-1] == ("application/pdf", b"%PDF-1.7 kopie")


def test_non_ascii_sender_name_and_subject_are_encoded_words():
    message = EmailMultiAlternatives(
        subject="Bevraging: uw bijdrage voor Coördinatie " + "lang " * 30,
        body="Beste Zoë,\n.punt aan het begin\n",
        from_email="Vereniging Éénheid <team@vvsg.be>",
        to=["zoe@gemeente.be"],
        reply_to=["radicalisering@vvsg.be"],
    )
    message.attach_alternative("<p>Beste Zoë</p>", "text/html")

    raw = message_bytes(message)

    assert is_fast(message) and raw.isascii()
    fast, django = _read(raw), _read(message.message().as_bytes())
    assert fast["headers"].pop("Message-ID").endswith(">")  # a fresh one each time
    django["headers"].pop("Message-ID")
    assert fast == django


@pytest.mark.parametrize(
    "change",
    [
        {"subject": "Twee\nregels"},
        {"to": ["zoë@gemeente.be"]},
        {"headers": {"From": "iemand@elders.be"}},
    ],
)
def test_unusual_messages_fall_back_to_djangos_serialiser(change):
    fields = {
        "subject": "Onderwerp",
        "body": "Tekst\n",
        "from_email": "team@vvsg.be",
        "to": ["a@gemeente.be"],
        **change,
    }
    message = EmailMultiAlternatives(**fields)

    assert not is_fast(message)
