"""Free text that goes out in VVSG's mails (a forwarder's note): no links."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A scheme (https:, mailto:), "www." or a domain name: mail clients turn
# "vvsg-login.be" or "jan@gemeente.be" into a link by themselves.
_SCHEME_WORDS = re.compile(r"\b(?:https?|ftp|mailto|tel|data|javascript):", re.I)


def validate_no_links(value: str) -> None:
    """Refuse web addresses and links in text that goes out in VVSG's mails."""
    if not isinstance(value, str):
        return
    if _SCHEME_WORDS.search(value) or _has_domain(value):
        raise ValidationError(
            _(
                "Links, webadressen en e-mailadressen zijn hier niet toegestaan. "
                "Uw collega krijgt de link naar de vragenlijst in dezelfde mail."
            ),
            code="link",
        )


_DOMAIN = re.compile(r"(?<![\w@.-])www\.|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w-])")


def _has_domain(value: str) -> bool:
    # Lower-case top-level part only: "Dhr.Peeters" or "bv.Gent" are not domains
    # a mail client would link, "gemeente.be" and "evil.com/login" are.
    return bool(_DOMAIN.search(value))
