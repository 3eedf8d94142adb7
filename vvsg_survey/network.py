"""The client's address, trusting X-Forwarded-For only as far as configured."""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str:
    """The address that connected to the outermost trusted proxy.

    With TRUSTED_PROXY_COUNT = n, the last n entries of X-Forwarded-For were written
    by our own proxies; the entry the first of them appended is the client. Anything
    left of it is client-supplied and ignored, so a forged header cannot pick the
    address that rate limits and lockouts count against.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    chain = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(chain) < count:
        # The proxy did not add its entry: do not trust a shorter, forgeable chain.
        return remote
    return chain[-count]
