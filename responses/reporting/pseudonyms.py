"""Pseudonymised exports: keyed stand-ins for response ids, no open text or contacts."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator

from responses.keys import purpose_key
from surveys.types import kind

PSEUDONYM_PREFIX = "p-"
IDENTIFYING_COLUMNS = ("respondent_name", "respondent_email", "name", "email")


def _pseudonym_key() -> bytes:
    return purpose_key(setting="PSEUDONYM_KEY", purpose=b"vvsg.export-pseudonym-key")


def pseudonym(response_id: int | str, *, campaign_slug: str) -> str:
    """A keyed, stable stand-in for a response id (same input, same pseudonym)."""
    message = f"{campaign_slug}:{response_id}".encode()
    return (
        PSEUDONYM_PREFIX
        + hmac.new(_pseudonym_key(), message, hashlib.sha256).hexdigest()[:20]
    )


def pseudonymise_rows(
    rows: Iterable[list], *, spec, campaign_slug: str
) -> Iterator[list]:
    """Wrap an export (header + rows): pseudonymous ids, no open text, no contact data.

    `response_id` becomes an HMAC pseudonym, the columns of text questions and every
    "other, specify" column (`CODE__other`) are emptied, and any name/e-mail column
    is emptied. Numbers, codes and municipalities stay, so the report's tables can be
    rebuilt from a pseudonymised file but nobody's words or address leave the system.
    """
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        return
    yield header
    text_codes = {q.code for q in spec.questions if kind(q).free_text}
    blank = {
        i
        for i, name in enumerate(header)
        if name in text_codes or name.endswith("__other") or name in IDENTIFYING_COLUMNS
    }
    id_column = header.index("response_id") if "response_id" in header else None
    for row in rows:
        out = ["" if i in blank else cell for i, cell in enumerate(row)]
        if id_column is not None and out[id_column] not in ("", None):
            out[id_column] = pseudonym(out[id_column], campaign_slug=campaign_slug)
        yield out
