"""Free text from respondents: readable characters only.

Invalid UTF-8 never reaches a form (vvsg_survey.middleware answers 400), but a
replacement character pasted from a garbled document, or control characters from
a copy out of another program, would be stored as they are and surface in exports
and mails. Newline, carriage return (browsers send CRLF) and tab are allowed.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

REPLACEMENT_CHARACTER = "\ufffd"
# C0 and C1 controls except tab, newline and carriage return.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def validate_text(value: str) -> None:
    """Form field validator; raises a Dutch ValidationError for unreadable text."""
    if not isinstance(value, str):
        return
    if REPLACEMENT_CHARACTER in value:
        raise ValidationError(
            _(
                "Uw tekst bevat een onleesbaar teken (�), meestal door kopiëren uit "
                "een ander programma. Typ die woorden opnieuw en bewaar dan."
            ),
            code="replacement_character",
        )
    if _CONTROLS.search(value):
        raise ValidationError(
            _(
                "Uw tekst bevat onzichtbare stuurtekens. Typ de tekst opnieuw in "
                "plaats van hem te plakken."
            ),
            code="control_character",
        )


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
