"""Import an earlier wave's responses from the export format (round trip).

The whole file is validated before anything is written; one error anywhere means
nothing is written, and every error names its row, column and problem. Both export
layouts are accepted: in the `bestuur` layout the rows of one response_id are merged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from municipalities.models import Municipality
from responses.models import (
    Answer,
    Campaign,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)
from responses.reporting.exports import META_COLUMNS, answer_columns
from surveys import branching
from surveys.models import Question
from surveys.queries import instrument_spec
from surveys.types import (
    LIST_SEPARATOR,
    OTHER_MAX_LENGTH,
    CellError,
    Column,
    is_answered,
    kind,
)
from vvsg_survey.uploads import UploadError
from vvsg_survey.uploads import read_table as read_upload


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number; the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return _("rij %(row)s, kolom %(column)s: %(message)s") % self.__dict__


@dataclass
class ParsedResponse:
    row: int
    nis_codes: list[str]
    function: str = ""
    is_coordinator: bool | None = None
    status: str = ""  # empty: submitted (the old exports had no status column)
    started_at: datetime | None = None
    submitted_at: datetime | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    others: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0
    responses: int = 0
    answers: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading ------------------------------------------------------------------------


def read_table(source: str | Path | IO[bytes], *, fmt: str | None = None):
    """Return (header, rows) of a CSV or XLSX export file, within the upload limits.

    Size, encoding, zip bombs and the row limit are handled by
    vvsg_survey.uploads; CSV cells arrive without the export's apostrophe.
    """
    header, rows = read_upload(source, fmt=fmt)
    return [_text(v) for v in header], ([_cell(v) for v in row] for row in rows)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value: Any) -> str:
    value = _cell(value)
    return value.strip() if isinstance(value, str) else str(value)


# --- parsing one row ----------------------------------------------------------------


class _Parser:
    def __init__(self, *, campaign: Campaign, header: list[str], now: datetime):
        self.campaign = campaign
        self.now = now
        self.spec = instrument_spec(campaign.instrument)
        self.columns = {c.name: c for c in answer_columns(self.spec)}
        self.layout = "bestuur" if "nis_code" in header else "response"
        self.nis_column = "nis_code" if self.layout == "bestuur" else "nis_codes"
        self.header = header
        self.known_nis = set(Municipality.objects.values_list("nis_code", flat=True))
        self.covered = set(
            ResponseMunicipality.objects.filter(campaign=campaign).values_list(
                "municipality__nis_code", flat=True
            )
        )

    def header_errors(self) -> list[RowError]:
        errors, seen = [], set()
        allowed = set(META_COLUMNS[self.layout]) | set(self.columns)
        for name in self.header:
            if name in seen:
                errors.append(RowError(1, name, _("kolom komt twee keer voor")))
            elif name not in allowed:
                errors.append(RowError(1, name, _("onbekende kolom")))
            seen.add(name)
        if self.nis_column not in seen:
            errors.append(RowError(1, self.nis_column, _("verplichte kolom ontbreekt")))
        return errors

    def parse(self, number: int, cells: dict[str, Any], errors: list[RowError]):
        def err(column: str, message: str) -> None:
            errors.append(RowError(number, column, message))

        parsed = ParsedResponse(row=number, nis_codes=[])
        nis_raw = _text(cells.get(self.nis_column, ""))
        parsed.nis_codes = [
            n.strip() for n in nis_raw.split(LIST_SEPARATOR) if n.strip()
        ]
        if not parsed.nis_codes:
            err(self.nis_column, _("geen NIS-code ingevuld"))
        parsed.function = _text(cells.get("respondent_function", ""))
        flag = _text(cells.get("is_coordinator", ""))
        if flag not in ("", "0", "1"):
            err("is_coordinator", _("verwacht 0 of 1, niet '%s'") % flag)
        parsed.is_coordinator = None if flag == "" else flag == "1"
        for column in ("started_at", "submitted_at"):
            raw = cells.get(column, "")
            try:
                setattr(parsed, column, _datetime(raw))
            except (ValueError, TypeError, OverflowError):
                err(column, _("ongeldige datum/tijd: '%s'") % raw)
        parsed.status = _status(_text(cells.get("status", "")), err)
        _check_times(parsed, err, self.now)
        for name, answer_column in self.columns.items():
            if name in cells:
                self._answer_cell(parsed, answer_column, cells[name], err)
        self._check_values(parsed, err)
        return parsed

    def _answer_cell(self, parsed: ParsedResponse, column: Column, raw, err) -> None:
        q = self.spec.question(column.question)
        if _text(raw) == "":
            return
        qkind = kind(q)
        # Open text keeps its own spacing; codes and numbers are compared stripped.
        keep_spacing = column.kind == "other" or qkind.keeps_spacing
        text = raw if keep_spacing and isinstance(raw, str) else _text(raw)
        if column.kind == "other":
            if len(text) > OTHER_MAX_LENGTH:
                err(column.name, _too_long(len(text), OTHER_MAX_LENGTH))
            parsed.others[q.code] = text
            return
        try:
            parsed.answers[q.code] = qkind.parse_cell(
                q,
                column,
                text,
                raw,
                parsed.answers.get(q.code),
                known_municipalities=self.known_nis,
            )
        except CellError as exc:
            err(column.name, str(exc))

    def _check_values(self, parsed: ParsedResponse, err) -> None:
        """The instrument's value rules (min/max, exclusive options...) per question."""
        # All-zero option columns mean "not answered", as the export writes them.
        parsed.answers = {
            code: value for code, value in parsed.answers.items() if is_answered(value)
        }
        for code, value in parsed.answers.items():
            q = self.spec.question(code)
            # An over-long "other" text was already reported on its own column.
            other = parsed.others.get(code, "")[:OTHER_MAX_LENGTH]
            for message in dict.fromkeys(branching.validate_value(q, value, other)):
                err(_first_column(q), message)
        for code in parsed.others:
            if code not in parsed.answers:
                err(f"{code}__other", _("toelichting zonder antwoord"))


# The export writes the code; a hand-made file may use the Dutch label.
_STATUSES = {
    **{code: code for code in ResponseStatus.values},
    **{str(label).casefold(): code for code, label in ResponseStatus.choices},
}


def _status(raw: str, err) -> str:
    if raw == "":
        return ""
    status = _STATUSES.get(raw.casefold())
    if status is None:
        allowed = ", ".join(ResponseStatus.values)
        err(
            "status",
            _("onbekende status '%(raw)s' (toegelaten: %(allowed)s)")
            % {
                "raw": raw,
                "allowed": allowed,
            },
        )
        return ""
    return status


def _check_times(parsed: ParsedResponse, err, now: datetime) -> None:
    """A status and its timestamps must tell the same story."""
    started, submitted = parsed.started_at, parsed.submitted_at
    if parsed.status not in ("", ResponseStatus.SUBMITTED) and submitted is not None:
        err(
            "submitted_at",
            _("ingediend op ingevuld, maar de status is '%s'") % parsed.status,
        )
    # No "submitted before started" check: responses imported before status
    # import existed carry the import moment as started_at, and must round-trip.
    for column, value in (("started_at", started), ("submitted_at", submitted)):
        if value is not None and value > now:
            err(column, _("ligt in de toekomst: %s") % f"{value:%Y-%m-%d %H:%M}")


def _first_column(q) -> str:
    return kind(q).export_columns(q)[0].name


def _too_long(length: int, limit: int) -> str:
    return _("tekst te lang (%(length)s tekens, maximum %(limit)s)") % {
        "length": length,
        "limit": limit,
    }


def _datetime(raw: Any) -> datetime | None:
    if raw in ("", None):
        return None
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        value = datetime.fromisoformat(raw.strip())
    else:
        # A number (an Excel serial, a year) is not a moment the export writes.
        raise ValueError(raw)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


# --- the service --------------------------------------------------------------------


def _grouped(parser: _Parser, rows, errors) -> Iterator[ParsedResponse]:
    """Parse data rows; in the bestuur layout merge consecutive rows of one response."""
    previous: tuple[str, ParsedResponse] | None = None
    for index, row in enumerate(rows, start=2):
        if all(_text(v) == "" for v in row):
            continue
        if len(row) > len(parser.header):
            errors.append(RowError(index, "-", _("meer cellen dan kolommen")))
        cells = dict(zip(parser.header, row, strict=False))
        parsed = parser.parse(index, cells, errors)
        key = _text(cells.get("response_id", ""))
        if parser.layout == "bestuur" and key and previous and previous[0] == key:
            previous[1].nis_codes += parsed.nis_codes
            continue
        if previous:
            yield previous[1]
        previous = (key, parsed)
    if previous:
        yield previous[1]


def _check_coverage(parser: _Parser, parsed: list[ParsedResponse], errors) -> None:
    seen: dict[str, int] = {}
    for item in parsed:
        for nis in item.nis_codes:
            if nis not in parser.known_nis:
                errors.append(
                    RowError(
                        item.row, parser.nis_column, _("onbekende NIS-code '%s'") % nis
                    )
                )
            elif nis in parser.covered:
                message = _("NIS-code %s heeft al een antwoord in deze bevraging") % nis
                errors.append(RowError(item.row, parser.nis_column, message))
            elif nis in seen:
                message = _("NIS-code %(nis)s staat ook in rij %(row)s") % {
                    "nis": nis,
                    "row": seen[nis],
                }
                errors.append(RowError(item.row, parser.nis_column, message))
            else:
                seen[nis] = item.row


def import_responses(
    *,
    campaign: Campaign,
    source: str | Path | IO[bytes],
    fmt: str | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportResult:
    """Validate a whole export file, then create its responses in one transaction.

    Imported responses keep the file's status (started, partial or submitted; an
    empty status means submitted) and timestamps, and are flagged `imported=True`.
    A submitted response without submitted_at gets `now`. With any error, or
    with `dry_run`, nothing is written; the result tells what would be created.
    """
    now = now or timezone.now()
    try:
        header, rows = read_table(source, fmt=fmt)
    except UploadError as exc:
        return ImportResult(dry_run=dry_run, errors=[RowError(1, "-", str(exc))])
    except (OSError, ValueError, KeyError) as exc:
        message = _("bestand niet leesbaar als CSV of XLSX: %s") % exc
        return ImportResult(dry_run=dry_run, errors=[RowError(1, "-", message)])
    header = [_text(name) for name in header]
    parser = _Parser(campaign=campaign, header=header, now=now)
    result = ImportResult(dry_run=dry_run, errors=parser.header_errors())
    if result.errors:
        return result
    try:
        parsed = list(_grouped(parser, rows, result.errors))
    except UploadError as exc:
        # The file broke off (row limit, damaged XLSX): refuse it as a whole.
        return ImportResult(dry_run=dry_run, errors=[RowError(1, "-", str(exc))])
    _check_coverage(parser, parsed, result.errors)
    result.errors.sort(key=lambda e: e.row)
    result.rows = len(parsed)
    result.responses = len(parsed)
    result.answers = sum(len(p.answers) for p in parsed)
    if result.errors or dry_run:
        return result
    _write(campaign=campaign, parsed=parsed, now=now)
    return result


@transaction.atomic
def _write(*, campaign: Campaign, parsed: list[ParsedResponse], now: datetime) -> None:
    question_ids = dict(
        Question.objects.filter(instrument_id=campaign.instrument_id).values_list(
            "code", "pk"
        )
    )
    municipality_ids = dict(
        Municipality.objects.filter(
            nis_code__in={n for p in parsed for n in p.nis_codes}
        ).values_list("nis_code", "pk")
    )
    links, answers = [], []
    for item in parsed:
        status = item.status or ResponseStatus.SUBMITTED
        submitted_at = None
        if status == ResponseStatus.SUBMITTED:
            submitted_at = item.submitted_at or now
        response = Response.objects.create(
            campaign=campaign,
            status=status,
            imported=True,
            respondent_function=item.function,
            is_coordinator=(
                len(item.nis_codes) > 1
                if item.is_coordinator is None
                else item.is_coordinator
            ),
            submitted_at=submitted_at,
        )
        # started_at/updated_at are auto_now(_add); keep the original wave's
        # moments, so "last activity" and the best-response rule see that wave.
        started_at = item.started_at or item.submitted_at
        moments = {"updated_at": submitted_at or started_at or now}
        if started_at:
            moments["started_at"] = started_at
        Response.objects.filter(pk=response.pk).update(**moments)
        links += [
            ResponseMunicipality(
                response=response,
                campaign=campaign,
                municipality_id=municipality_ids[n],
            )
            for n in item.nis_codes
        ]
        answers += [
            Answer(
                response=response,
                question_id=question_ids[code],
                value=value,
                other_text=item.others.get(code, ""),
            )
            for code, value in item.answers.items()
        ]
    ResponseMunicipality.objects.bulk_create(links, batch_size=500)
    Answer.objects.bulk_create(answers, batch_size=1000)
