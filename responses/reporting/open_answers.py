"""The open answers workbench (issue 17): read, mark, code; quotes and code counts.

Staff read every visible open answer ("text" questions) and "other, specify" text
of a question with the bestuur's cluster type instead of its name, mark it
quotable / contains personal data / to code, and assign codes from the question's
code list. Member-facing pages get only code counts and quotes that are marked
quotable, carry no personal data, and are still the text that was reviewed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from municipalities.models import ClusterType
from responses.models import Answer, AnswerCode, Campaign, OpenAnswerReview
from surveys.types import kind

from .results.data import load_directory
from .results.report import Options, Wave, load_wave
from .results.units import UNIT_RESPONDENT, primary_bestuur

FAMILY_LABELS = dict(ClusterType.choices)
MAX_CODE_LENGTH = 120


def is_open_question(question) -> bool:
    """A free-text question, or a choice question with an "other, specify" option."""
    return kind(question).free_text or any(o.is_other for o in question.options)


def _text(question, record) -> str:
    if kind(question).free_text:
        value = record.answers.get(question.code)
        return str(value).strip() if value is not None else ""
    return (record.others.get(question.code) or "").strip()


@dataclass
class OpenAnswer:
    answer_id: int
    text: str
    family: str  # the cluster type label, never the bestuur's name
    review: OpenAnswerReview | None

    @property
    def current(self) -> bool:
        """The review applies to the text as it is now."""
        return self.review is not None and self.review.text == self.text

    @property
    def code_ids(self) -> set[int]:
        if self.review is None or not self.current:
            return set()
        return {code.pk for code in self.review.codes.all()}


def load(campaign: Campaign) -> Wave:
    return load_wave(
        campaign,
        directory=load_directory(),
        options=Options(unit=UNIT_RESPONDENT),
    )


def open_answers(campaign: Campaign, question, *, wave: Wave | None = None) -> list:
    """Every visible open text of `question`, one per response."""
    wave = wave or load(campaign)
    texts = {}
    families = {}
    for record in wave.records:
        text = _text(question, record)
        if text:
            texts[record.response_id] = text
            main = primary_bestuur(record)
            families[record.response_id] = FAMILY_LABELS.get(
                main.family if main else "", "Onbekend type"
            )
    ids = dict(
        Answer.objects.filter(
            response_id__in=texts,
            question__instrument_id=campaign.instrument_id,
            question__code=question.code,
        ).values_list("response_id", "pk")
    )
    reviews = {
        r.answer_id: r
        for r in OpenAnswerReview.objects.filter(answer_id__in=ids.values())
        .select_related("reviewed_by")
        .prefetch_related("codes")
    }
    return [
        OpenAnswer(ids[rid], texts[rid], families[rid], reviews.get(ids[rid]))
        for rid in sorted(texts, key=lambda rid: (families[rid], rid))
        if rid in ids
    ]


def code_list(campaign: Campaign, question_code: str):
    return AnswerCode.objects.filter(campaign=campaign, question_code=question_code)


def add_code(*, campaign: Campaign, question_code: str, label: str) -> AnswerCode:
    label = " ".join(label.split())
    if not label or len(label) > MAX_CODE_LENGTH:
        raise ValueError(f"een code heeft 1 tot {MAX_CODE_LENGTH} tekens")
    code, _ = AnswerCode.objects.get_or_create(
        campaign=campaign, question_code=question_code, label=label
    )
    return code


@transaction.atomic
def review_answer(
    *,
    campaign: Campaign,
    question,
    answer_id: int,
    quotable: bool,
    personal_data: bool,
    to_code: bool,
    code_ids,
    user,
    now: datetime | None = None,
) -> OpenAnswerReview:
    """Record staff's reading of the answer as it reads now.

    Personal data wins over quotable: such an answer is never quoted.
    """
    current = {a.answer_id: a for a in open_answers(campaign, question)}
    if answer_id not in current:
        raise LookupError("geen zichtbaar open antwoord bij deze vraag")
    review, _ = OpenAnswerReview.objects.update_or_create(
        answer_id=answer_id,
        defaults={
            "text": current[answer_id].text,
            "quotable": quotable and not personal_data,
            "personal_data": personal_data,
            "to_code": to_code,
            "reviewed_by": user,
            "reviewed_at": now or timezone.now(),
        },
    )
    review.codes.set(code_list(campaign, question.code).filter(pk__in=code_ids))
    return review


@dataclass(frozen=True)
class MemberOpen:
    n: int  # open answers given
    codes: tuple[tuple[str, int], ...]  # (code, answers with it), most first
    quotes: tuple[str, ...]


def member_open(campaign: Campaign, question, *, wave: Wave) -> MemberOpen:
    answers = open_answers(campaign, question, wave=wave)
    counts: Counter[str] = Counter()
    quotes = []
    for answer in answers:
        if not answer.current:
            continue
        counts.update(code.label for code in answer.review.codes.all())
        if answer.review.quotable and not answer.review.personal_data:
            quotes.append(answer.text)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return MemberOpen(len(answers), tuple(ordered), tuple(quotes))
