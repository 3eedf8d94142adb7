"""Request hygiene before any view or CSRF check, and response headers Django lacks.

The Content-Security-Policy itself comes from Django's own middleware (SECURE_CSP);
Django has no setting for Permissions-Policy, so that header is added here.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.http import parse_header_parameters

UTF8_NAMES = {"utf-8", "utf8"}
# Bodies Django decodes as text; multipart uploads carry binary files by design.
TEXT_TYPES = ("application/x-www-form-urlencoded", "application/json", "text/")


def bad_request_page(*, reason: str) -> HttpResponseBadRequest:
    """A plain Dutch 400 page rendered without the request: no CSRF, no session."""
    reply = HttpResponseBadRequest(
        render_to_string("400.html", {"reason": reason}),
        content_type="text/html; charset=utf-8",
    )
    add_never_cache_headers(reply)
    return reply


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _percent_decoded_utf8(text: str) -> bool:
    """Whether every %XX-escaped name and value of a query string is valid UTF-8."""
    for part in text.replace("+", " ").split("&"):
        for piece in part.split("="):
            if not _is_utf8(unquote_to_bytes(piece)):
                return False
    return True


def encoding_problem(request) -> str:
    """Why the request cannot be read as UTF-8 text, or "" when it can."""
    content_type, params = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
    charset = params.get("charset", "").strip().lower()
    if charset and charset not in UTF8_NAMES:
        return "charset"
    if not _percent_decoded_utf8(request.META.get("QUERY_STRING", "")):
        return "query"
    if request.method in ("GET", "HEAD", "OPTIONS") or not content_type.startswith(
        TEXT_TYPES
    ):
        return ""
    body = request.body
    if not _is_utf8(body):
        return "body"
    form = content_type == "application/x-www-form-urlencoded"
    if form and not _percent_decoded_utf8(body.decode("utf-8")):
        return "body"
    return ""


class RequestEncodingMiddleware:
    """Answer 400 to a body or query string that is not UTF-8, before CSRF runs.

    Django would otherwise store such input as U+FFFD, or (charset=latin-1 form
    posts) raise BadRequest inside the CSRF check and fail again on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            problem = encoding_problem(request)
        except RequestDataTooBig:
            return bad_request_page(reason="too_big")
        if problem:
            return bad_request_page(reason="encoding")
        return self.get_response(request)


class NoStoreMiddleware:
    """Cache-Control: no-store on every page a view produced.

    Respondent pages show answers on a sensitive topic behind a personal link and
    staff pages show every answer: neither a shared proxy nor the browser's history
    may keep a copy. Static files are served by WhiteNoise above this middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class PermissionsPolicyMiddleware:
    """The one header Django has no setting for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response
