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
