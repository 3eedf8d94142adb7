"""The open answers workbench (issue 17): read, mark, code; quotes and code counts.

Staff read every visible open answer ("text" questions) and "other, specify" text
of a question with the bestuur's cluster type instead of its name, mark it
quotable / contains personal data / to code, and assign codes from the question's
code list. Member-facing pages get only code counts and quotes that are marked
quotable, carry no personal data, and are still the text that was reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from municipalities.models import ClusterType
from responses.models import Answer, AnswerCode, Campaign, OpenAnswerReview
from surveys.types import kind

from .results.codes import CodeCounts, CodedAnswer, count_codes
from .results.data import load_directory
from .results.report import Options, Report, Wave, load_wave
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

    @property
    def code_labels(self) -> list[str]:
        if self.review is None or not self.current:
            return []
        return [code.label for code in self.review.codes.all()]

    @property
    def to_code(self) -> bool:
        """Still to code: never (or no longer) reviewed, or marked so."""
        return self.review is None or not self.current or self.review.to_code

    @property
    def quotable(self) -> bool:
        review = self.review
        return (
            review is not None
            and self.current
            and review.quotable
            and not review.personal_data
        )


def load(campaign: Campaign) -> Wave:
    return load_wave(
        campaign,
        directory=load_directory(),
        options=Options(unit=UNIT_RESPONDENT),
    )


def open_answers(campaign: Campaign, question, *, wave: Wave | None = None) -> list:
    """Every visible open text of `question`, one per response."""
    return answers_by_question(campaign, [question], wave=wave)[question.code]


def answers_by_question(
    campaign: Campaign, questions, *, wave: Wave | None = None
) -> dict[str, list[OpenAnswer]]:
    """The open answers of several questions in three queries (with `wave`)."""
    wave = wave or load(campaign)
    texts: dict[str, dict[int, str]] = {q.code: {} for q in questions}
    families = {}
    for record in wave.records:
        for question in questions:
            text = _text(question, record)
            if text:
                texts[question.code][record.response_id] = text
                families[record.response_id] = _family(record)
    ids: dict[tuple[str, int], int] = {}
    responses = {rid for by_response in texts.values() for rid in by_response}
    if responses:
        for code, rid, pk in Answer.objects.filter(
            response_id__in=responses,
            question__instrument_id=campaign.instrument_id,
            question__code__in=list(texts),
        ).values_list("question__code", "response_id", "pk"):
            if rid in texts.get(code, ()):
                ids[code, rid] = pk
    reviews = (
        {
            r.answer_id: r
            for r in OpenAnswerReview.objects.filter(answer_id__in=ids.values())
            .select_related("reviewed_by")
            .prefetch_related("codes")
        }
        if ids
        else {}
    )
    return {
        code: [
            OpenAnswer(
                ids[code, rid], found[rid], families[rid], reviews.get(ids[code, rid])
            )
            for rid in sorted(found, key=lambda rid: (families[rid], rid))
            if (code, rid) in ids
        ]
        for code, found in texts.items()
    }


def _family(record) -> str:
    main = primary_bestuur(record)
    return FAMILY_LABELS.get(main.family if main else "", "Onbekend type")


def code_counts(
    campaign: Campaign, questions, *, k: int, show_small: bool, wave: Wave | None = None
) -> dict[str, CodeCounts]:
    """The coded answers of each open question among `questions` as counts."""
    found = answers_by_question(
        campaign, [q for q in questions if is_open_question(q)], wave=wave
    )
    return {
        code: counts_of(answers, k=k, show_small=show_small)
        for code, answers in found.items()
    }


def add_code_counts(report: Report) -> None:
    """Staff pages and workbook: every count, those below k flagged, not hidden.

    Counted over the report's answer set (`?status=`), one answer per response.
    """
    counts = code_counts(
        report.campaign,
        [result.question for result in report.questions],
        k=report.options.k,
        show_small=True,
        wave=report.wave,
    )
    for result in report.questions:
        result.codes = counts.get(result.question.code)


def counts_of(answers: list[OpenAnswer], *, k: int, show_small: bool) -> CodeCounts:
    """The one home of the code counts the staff pages, the member page and
    both workbooks show."""
    return count_codes(
        (CodedAnswer(codes=a.code_labels, to_code=a.to_code) for a in answers),
        k=k,
        show_small=show_small,
    )


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
