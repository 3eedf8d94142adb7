"""Invitation tokens: 256-bit link tokens, only their SHA-256 in the database.

The link token is derived, not stored: raw = base64url(HMAC-SHA256(key, nonce)) where
the nonce is 32 random bytes kept on the invitation and the key comes from
settings.INVITATION_TOKEN_KEY (or is derived from SECRET_KEY). Every mail (invitation,
each reminder) can rebuild the same link, so a reminder never breaks the link a mayor
already uses, and a database dump alone yields neither the tokens nor a way to forge
them. Rotation/revocation = a new nonce. See docs/security.md, "Invitation tokens".

Lookups go by hash, so the database comparison never sees the secret, and the final
comparison uses hmac.compare_digest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from responses.keys import purpose_key
from responses.models import Invitation

TOKEN_BYTES = 32
LINK_URL_NAME = "responses:respondent-start"  # owned by the respondent views


def _token_key() -> bytes:
    return purpose_key(
        setting="INVITATION_TOKEN_KEY", purpose=b"vvsg.invitation-token-key"
    )


def derive_token(nonce: str) -> str:
    """The raw link token for a nonce (hex); deterministic for one key."""
    digest = hmac.new(_token_key(), nonce.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issue_token() -> dict[str, str]:
    """Fields for a new invitation: `Invitation(..., **issue_token())`."""
    nonce = secrets.token_hex(TOKEN_BYTES)
    return {"token_nonce": nonce, "token_hash": hash_token(derive_token(nonce))}


def new_token() -> tuple[str, str]:
    """Return (raw token, hash) of a random token with no nonce.

    Kept for compatibility; such an invitation's link cannot be rebuilt, so
    link_for() rotates it to a derived token the first time it is mailed.
    Prefer issue_token().
    """
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def find_invitation(
    *, raw_token: str, lookup: Callable[[str], Invitation | None] | None = None
) -> Invitation | None:
    """The active invitation for a raw token, or None (unknown, malformed, revoked).

    `lookup` (token hash -> invitation) may narrow what is loaded with it (the
    autosave reads a few columns); by default the campaign, instrument, bestuur and
    response come along.
    """
    if not raw_token or len(raw_token) > 100:
        return None
    digest = hash_token(raw_token)
    invitation = (lookup or _with_everything)(digest)
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        return None
    if invitation.revoked_at is not None:
        return None
    response = invitation.response
    if response is not None and response.campaign_id == invitation.campaign_id:
        # The same row, already loaded: response.campaign would read it again.
        response.campaign = invitation.campaign
    return invitation


def _with_everything(digest: str) -> Invitation | None:
    return (
        Invitation.objects.select_related(
            "campaign", "municipality", "response", "campaign__instrument"
        )
        .filter(token_hash=digest)
        .first()
    )


def raw_token_for(invitation: Invitation) -> str:
    """The raw token of an invitation, rotating a legacy (nonce-less) token once."""
    if invitation.token_nonce:
        raw = derive_token(invitation.token_nonce)
        if hmac.compare_digest(hash_token(raw), invitation.token_hash):
            return raw
    return rotate_token(invitation=invitation)


def link_for(invitation: Invitation) -> str:
    """Absolute personal link for an invitation (same link for every mail)."""
    path = reverse(LINK_URL_NAME, kwargs={"token": raw_token_for(invitation)})
    return f"{settings.SITE_URL}{path}"


def rotate_token(*, invitation: Invitation) -> str:
    """Give an invitation a fresh token (the old link stops working); returns it."""
    fields = issue_token()
    Invitation.objects.filter(pk=invitation.pk).update(**fields)
    invitation.token_nonce = fields["token_nonce"]
    invitation.token_hash = fields["token_hash"]
    return derive_token(invitation.token_nonce)


def revoke_invitation(*, invitation: Invitation, now: datetime | None = None) -> None:
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
