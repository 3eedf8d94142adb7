"""Invitation tokens: 256 random bits in the link, only their SHA-256 in the database.

Looking a token up by its hash means the database comparison never sees the secret, and
the final comparison uses hmac.compare_digest so timing reveals nothing either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.utils import timezone

from responses.models import Invitation

TOKEN_BYTES = 32


def new_token() -> tuple[str, str]:
    """Return (raw token for the link, hash to store)."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def find_invitation(*, raw_token: str) -> Invitation | None:
    """The active invitation for a raw token, or None (unknown, malformed or revoked)."""
    if not raw_token or len(raw_token) > 100:
        return None
    digest = hash_token(raw_token)
    invitation = (
        Invitation.objects.select_related("campaign", "municipality", "response", "campaign__instrument")
        .filter(token_hash=digest)
        .first()
    )
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        return None
    if invitation.revoked_at is not None:
        return None
    return invitation


def rotate_token(*, invitation: Invitation) -> str:
    """Give an invitation a fresh token (the old link stops working); returns the raw token."""
    raw, digest = new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=digest)
    invitation.token_hash = digest
    return raw


def revoke_invitation(*, invitation: Invitation, now: datetime | None = None) -> None:
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
