"""Render campaign mails.

Templates are rendered by a sandboxed Django engine: no loaders (no include/extends),
no {% load %}, {% debug %} or {% autoescape off %}, no |safe, and a context of plain
strings and numbers only, so an edited template can neither reach models or settings
nor switch escaping off.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine, Library, defaultfilters, defaulttags
from django.utils import timezone
from django.utils.formats import date_format

from responses.models import (
    Campaign,
    DeliveryKind,
    EmailTemplate,
    Invitation,
)

PLACEHOLDERS = (
    "name",
    "municipality",
    "link",
    "deadline",
    "days_left",
    "campaign",
    "sender",
)
_BLOCKED_TAGS = {
    "debug",
    "load",
    "include",
    "extends",
    "csrf_token",
    "url",
    "ssi",
    "autoescape",
}
# Placeholder values (a municipality name, a forwarded note) are data, never markup:
# without these an edited template cannot switch escaping off.
_BLOCKED_FILTERS = {"safe", "safeseq"}


class _SandboxEngine(Engine):
    def get_template_builtins(self, builtins):
        library = Library()
        library.tags = {
            name: tag
            for name, tag in defaulttags.register.tags.items()
            if name not in _BLOCKED_TAGS
        }
        library.filters = {
            name: func
            for name, func in defaultfilters.register.filters.items()
            if name not in _BLOCKED_FILTERS
        }
        return [library]


_engine: _SandboxEngine | None = None


def _sandbox() -> _SandboxEngine:
    global _engine
    if _engine is None:
        _engine = _SandboxEngine(dirs=[], app_dirs=False, libraries={}, loaders=[])
    return _engine


def _default_template(kind: str) -> tuple[str, str, str]:
    base = Path(settings.BASE_DIR) / "templates" / "emails"
    parts = []
    for suffix in ("subject.txt", "body.txt", "body.html"):
        path = base / f"{kind}_{suffix}"
        parts.append(path.read_text(encoding="utf-8") if path.exists() else "")
    if not parts[0] or not parts[1]:
        raise LookupError(f"no e-mail template for kind {kind!r}")
    return parts[0], parts[1], parts[2]


def template_kind(kind: str, stream: str = "") -> str:
    """EmailTemplateKind for a DeliveryKind (+ reminder stream)."""
    if kind == DeliveryKind.REMINDER:
        return f"reminder_{stream or 'not_started'}"
    return kind


def template_sources(*, campaign: Campaign | None, kind: str) -> tuple[str, str, str]:
    """(subject, text, html) sources: the campaign's EmailTemplate, else the file."""
    if campaign is not None:
        row = EmailTemplate.objects.filter(campaign=campaign, kind=kind).first()
        if row is not None:
            return row.subject, row.body_text, row.body_html
    return _default_template(kind)


@lru_cache(maxsize=64)
def _compiled(source: str):
    # Compiling is most of the render cost; a batch renders the same few sources.
    return _sandbox().from_string(source)


def render_string(source: str, context: dict, *, autoescape: bool) -> str:
    return _compiled(source).render(Context(context, autoescape=autoescape))


def render_mail(
    *,
    campaign: Campaign | None,
    kind: str,
    context: dict,
    sources: tuple[str, str, str] | None = None,
) -> tuple[str, str, str]:
    """Render (subject, text, html) for an EmailTemplateKind with placeholder values.

    Campaign-level placeholders (campaign, sender, deadline, days_left) default from
    the campaign; `context` supplies or overrides the rest (name, municipality, link).

    HTML is autoescaped; subject and text are not (they are not HTML). The HTML part is
    "" when the template has none. `sources` are the template_sources() a caller
    already holds (a chunk loads them once per campaign and kind).
    """
    subject_src, text_src, html_src = sources or template_sources(
        campaign=campaign, kind=kind
    )
    defaults = mail_context(campaign=campaign, invitation=None) if campaign else {}
    merged = {**defaults, **context}
    plain = {key: value for key, value in merged.items() if _is_plain(value)}
    subject = render_string(subject_src, plain, autoescape=False)
    subject = " ".join(subject.split())  # a header must not contain newlines
    text = render_string(text_src, plain, autoescape=False).strip() + "\n"
    html = render_string(html_src, plain, autoescape=True) if html_src.strip() else ""
    return subject, text, html


def _is_plain(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return value is None or isinstance(value, (str, int, float, bool))


def mail_context(
    *, campaign: Campaign, invitation: Invitation | None, link: str = "", now=None
) -> dict:
    """The standard placeholders for one recipient."""
    now = now or timezone.now()
    closes = timezone.localtime(campaign.closes_at)
    days_left = max((closes.date() - timezone.localtime(now).date()).days, 0)
    return {
        "name": invitation.name if invitation else "",
        "municipality": invitation.municipality.name if invitation else "",
        "link": link,
        "deadline": date_format(closes, "j F Y"),
        "days_left": days_left,
        "campaign": campaign.name,
        "sender": campaign.sender_name,
    }


def sample_context(*, campaign: Campaign, now=None) -> dict:
    """Placeholders for a preview or a test mail: a sample recipient, no real link."""
    context = mail_context(campaign=campaign, invitation=None, now=now)
    context.update(
        name="Voornaam Naam",
        municipality="Voorbeeldgemeente",
        link=f"{settings.SITE_URL}/b/voorbeeld-link/",
    )
    return context
