"""Long texts of the instrument (intro, privacy, section intros) as mayors read them.

The questionnaire files are hard-wrapped at about 88 columns for review in git; a
single newline there is layout of the file, not of the text. Only a blank line
separates paragraphs, so a phone never shows a sentence broken after "Op lokaal".
"""

from __future__ import annotations

import re
from dataclasses import replace

from responses.answering.respondents import format_deadline
from responses.models import Campaign
from surveys import branching

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each with its hard line wrapping undone."""
    blocks = _BLANK_LINE.split((text or "").strip())
    return [
        " ".join(line.strip() for line in block.splitlines() if line.strip())
        for block in blocks
        if block.strip()
    ]


def fill_placeholders(text: str, *, campaign: Campaign) -> str:
    """Replace the instrument's campaign placeholders ({deadline}) with real values.

    An instrument is reused across waves, so the deadline lives on the campaign.
    """
    return (text or "").replace("{deadline}", format_deadline(campaign.closes_at))


def campaign_paragraphs(text: str, *, campaign: Campaign) -> list[str]:
    return paragraphs(fill_placeholders(text, campaign=campaign))


def display_numbers(
    spec: branching.InstrumentSpec, visible: frozenset[str] | set[str]
) -> dict[str, int]:
    """Question code -> the number the respondent sees: 1, 2, 3… without gaps.

    The instrument's own numbers stay stable across waves for the codebook; the
    mayor sees only the questions that apply, so skipped follow-ups would read as
    "3 → 7". A hidden question takes the number after the visible one before it,
    which is what it will read when the page reveals it.
    """
    numbers = {}
    count = 0
    for question in spec.questions:
        if question.code in visible:
            count += 1
            numbers[question.code] = count
        else:
            numbers[question.code] = count + 1
    return numbers


def numbered_for_display(
    spec: branching.InstrumentSpec, visible: frozenset[str] | set[str]
) -> branching.InstrumentSpec:
    """The spec with each question's number as shown (display_numbers)."""
    numbers = display_numbers(spec, visible)
    return branching.InstrumentSpec(
        sections=spec.sections,
        questions=tuple(replace(q, number=numbers[q.code]) for q in spec.questions),
    )
