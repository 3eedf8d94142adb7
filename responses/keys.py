"""Secret keys for one purpose each: configured, or derived from SECRET_KEY."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def purpose_key(*, setting: str, purpose: bytes) -> bytes:
    """settings.<setting> if set, else an HMAC of SECRET_KEY domain-separated by
    `purpose`, so no two uses (tokens, pseudonyms, sessions) share a key."""
    configured = getattr(settings, setting, "")
    if configured:
        return configured.encode("utf-8")
    return hmac.new(
        settings.SECRET_KEY.encode("utf-8"), purpose, hashlib.sha256
    ).digest()
