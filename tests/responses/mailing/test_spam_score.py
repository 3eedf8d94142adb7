"""Every mail kind, sent by the real sending code to a real SMTP server, scored by
Debian's SpamAssassin with local tests only (-L: no DNS or network checks, so the
score is reproducible offline). Above 1.0 a mail kind has a problem a mail provider
would also see: fix the mail, not the threshold.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from responses.mailing.sending import send_delivery
from tests.responses.mailing.mail_kinds import KINDS, build_kind

pytestmark = [pytest.mark.django_db, pytest.mark.services]

MAX_SCORE = 1.0
_SCORE = re.compile(rb"^X-Spam-Status: \w+, score=(-?[\d.]+)", re.MULTILINE)


def spam_score(spamassassin: str, raw: bytes) -> tuple[float, str]:
    result = subprocess.run(  # noqa: S603 - fixed argv, message on stdin
        [spamassassin, "-L", "-t"],
        input=raw,
        capture_output=True,
        timeout=180,
        check=False,
    )
    match = _SCORE.search(result.stdout)
    assert match, result.stderr.decode(errors="replace")
    report = result.stdout.decode(errors="replace")
    return float(match.group(1)), report[report.find("Content analysis") :]


@pytest.mark.parametrize("kind", KINDS)
def test_mail_kind_scores_at_most_one_with_spamassassin(
    kind, spamassassin, smtp_sink, settings
):
    settings.SITE_URL = "https://enquete.vvsg.be"
    delivery, _ = build_kind(kind, municipality_name="Sint-Pieters-Leeuw")

    outcome = send_delivery(delivery_id=delivery.pk)
    [received] = smtp_sink.wait_for(1)
    score, report = spam_score(spamassassin, received.as_bytes())

    assert outcome.status == "sent"
    assert received["X-VVSG-Delivery"] == str(delivery.pk)
    assert score <= MAX_SCORE, report


def test_spam_score_check_catches_a_spammy_mail(spamassassin):
    # GTUBE, SpamAssassin's test pattern: proves the checker runs and would fail.
    gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
    raw = (
        "From: a@example.test\nTo: b@example.test\nSubject: x\n\n" + gtube + "\n"
    ).encode()

    score, _ = spam_score(spamassassin, raw)

    assert score > MAX_SCORE
