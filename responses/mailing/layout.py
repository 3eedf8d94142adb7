"""Wrap a rendered mail body in the e-mail layout and inline its styles.

Mail bodies come from the sandboxed engine (responses/mailing/rendering.py), which
has no {% extends %}, so the layout cannot be extended from a body: every kind is
wrapped instead, at build time, in templates/emails/base.html, a full document
(doctype, lang, charset, title). Many clients (Gmail, Outlook) drop <style> blocks,
so css-inline moves the layout's rules onto the elements.
"""

from __future__ import annotations

import css_inline
from django.template.loader import render_to_string
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import mark_safe

LAYOUT = "emails/base.html"
_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def text_as_html(text: str) -> str:
    """An HTML body for a template that has only a text part."""
    return linebreaks(urlize(escape(text)))


def html_document(
    *, body_html: str, subject: str, unsubscribe_url: str = "", preheader: str = ""
) -> str:
    """The full, style-inlined HTML document around an (escaped) body fragment."""
    document = render_to_string(
        LAYOUT,
        {
            # Already autoescaped by the sandbox; the layout only places it.
            "body": mark_safe(body_html),  # noqa: S308
            "subject": subject,
            "unsubscribe_url": unsubscribe_url,
            "preheader": preheader,
        },
    )
    return _inliner.inline(document)
