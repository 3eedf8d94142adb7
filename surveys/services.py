"""Writes to the instrument tables: loading a definition file and locking it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from surveys.definition import Definition, InstrumentError, read_definition
from surveys.models import Instrument, MatrixRow, Option, Question, Section

__all__ = ["InstrumentError", "load_instrument", "lock_instrument"]

# Existing rows are moved out of the way before renumbering, so the unique
# (instrument, order) constraints never see two rows with the same order mid-update.
_ORDER_SHIFT = 10_000


def load_instrument(*, path: str | Path, replace: bool = False) -> Instrument:
    """Validate a definition file and write it as one Instrument (all or nothing).

    The same code+version with identical file content is a no-op. Changed content
    replaces the rows (question codes are kept, so answers stay attached) when
    `replace=True` and the instrument is not locked; otherwise InstrumentError.
    """
    definition = read_definition(path)  # every validation problem raises here
    data = definition.data
    with transaction.atomic():
        instrument = (
            Instrument.objects.select_for_update()
            .filter(code=data["code"], version=data["version"])
            .first()
        )
        if instrument is not None:
            if instrument.source_sha256 == definition.sha256:
                return instrument
            _refuse_change(instrument, definition, replace=replace)
        else:
            instrument = Instrument(code=data["code"], version=data["version"])
        _write(instrument, definition)
    return instrument


def _refuse_change(
    instrument: Instrument, definition: Definition, *, replace: bool
) -> None:
    label = f"vragenlijst {instrument.code} versie {instrument.version}"
    if instrument.locked_at is not None:
        raise InstrumentError(
            definition.source,
            [
                f"{label} is vergrendeld sinds {instrument.locked_at:%Y-%m-%d %H:%M} "
                "(een campagne met deze versie is geopend) en kan niet meer wijzigen; "
                "maak een nieuwe versie aan"
            ],
        )
    if not replace:
        raise InstrumentError(
            definition.source,
            [
                f"{label} bestaat al met andere inhoud; "
                "gebruik --replace om te vervangen"
            ],
        )


def _write(instrument: Instrument, definition: Definition) -> None:
    data = definition.data
    instrument.title = data["title"]
    instrument.intro = data.get("intro", "")
    instrument.privacy = data.get("privacy", "")
    instrument.definitions = data.get("definitions", [])
    instrument.source_sha256 = definition.sha256
    instrument.save()
    sections = _write_sections(instrument, data["sections"])
    questions = _write_questions(
        instrument, definition, sections, source=definition.source
    )
    _write_choices(definition, questions)
    stale = Section.objects.filter(instrument=instrument).exclude(
        code__in=[s["code"] for s in data["sections"]]
    )
    stale.delete()


def _write_sections(
    instrument: Instrument, items: list[dict[str, Any]]
) -> dict[str, Section]:
    Section.objects.filter(instrument=instrument).update(
        order=F("order") + _ORDER_SHIFT
    )
    existing = {s.code: s for s in Section.objects.filter(instrument=instrument)}
    result = {}
    for order, item in enumerate(items, 1):
        section = existing.get(item["code"]) or Section(instrument=instrument)
        section.code = item["code"]
        section.order = order
        section.title = item["title"]
        section.intro = item.get("intro", "")
        section.save()
        result[section.code] = section
    return result


def _write_questions(
    instrument: Instrument,
    definition: Definition,
    sections: dict[str, Section],
    *,
    source: str,
) -> dict[str, Question]:
    Question.objects.filter(instrument=instrument).update(
        order=F("order") + _ORDER_SHIFT
    )
    existing = {q.code: q for q in Question.objects.filter(instrument=instrument)}
    wanted = {q["code"] for _, q in definition.questions}
    removed = [q for code, q in existing.items() if code not in wanted]
    for question in removed:
        try:
            question.delete()
        except ProtectedError as exc:
            raise InstrumentError(
                source,
                [f"vraag {question.code}: heeft al antwoorden en kan niet verdwijnen"],
            ) from exc
    result = {}
    for order, (section, item) in enumerate(definition.questions, 1):
        question = existing.get(item["code"]) or Question(instrument=instrument)
        question.section = sections[section["code"]]
        question.code = item["code"]
        question.number = item["number"]
        question.order = order
        question.type = item["type"]
        question.text = item["text"].strip()
        question.help_text = (item.get("help") or "").strip()
        question.required = item.get("required", True)
        question.condition = item.get("when")
        question.settings = item.get("settings") or {}
        question.source = item["source"]
        question.reconstructed = item.get("reconstructed", False)
        question.save()
        result[question.code] = question
    return result


def _write_choices(definition: Definition, questions: dict[str, Question]) -> None:
    # Options and rows have no dependants (answers store codes), so recreate them.
    ids = [q.pk for q in questions.values()]
    Option.objects.filter(question_id__in=ids).delete()
    MatrixRow.objects.filter(question_id__in=ids).delete()
    options, rows = [], []
    for _, item in definition.questions:
        question = questions[item["code"]]
        for order, o in enumerate(item.get("options") or (), 1):
            options.append(
                Option(
                    question=question,
                    code=o["code"],
                    label=o["label"],
                    order=order,
                    exclusive=o.get("exclusive", False),
                    is_other=o.get("other", False),
                )
            )
        for order, r in enumerate(item.get("rows") or (), 1):
            rows.append(
                MatrixRow(
                    question=question,
                    code=r["code"],
                    label=r["label"],
                    order=order,
                    condition=r.get("when"),
                )
            )
    Option.objects.bulk_create(options)
    MatrixRow.objects.bulk_create(rows)


def lock_instrument(
    *, instrument: Instrument, now: datetime | None = None
) -> Instrument:
    """Freeze an instrument (a campaign using it opened); idempotent.

    The conditional update keeps the first lock time when two campaigns open at once.
    """
    now = now or timezone.now()
    Instrument.objects.filter(pk=instrument.pk, locked_at__isnull=True).update(
        locked_at=now
    )
    instrument.refresh_from_db(fields=["locked_at"])
    return instrument
