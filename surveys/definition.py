"""Parse and validate an instrument definition file (YAML). Pure: no Django imports.

`parse_definition` checks everything (syntax, keys, types, duplicate codes, options,
conditions) and collects all problems into ONE `InstrumentError`, so an author fixes
a file in one pass. `spec_from_yaml` turns a valid file into an `InstrumentSpec`
without a database, for branching tests and previews.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from surveys.branching import InstrumentSpec, OptionSpec, QuestionSpec, RowSpec
from surveys.validation import check_definition


class InstrumentError(Exception):
    """A definition file is invalid or cannot be loaded; lists every problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        word = "probleem" if count == 1 else "problemen"
        super().__init__(f"{source}: {count} {word}:\n{lines}")


@dataclass(frozen=True)
class Definition:
    """A validated definition file: the parsed data plus the hash of its bytes."""

    data: dict[str, Any]
    source: str
    sha256: str

    @property
    def questions(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(section, question) pairs in instrument order."""
        return [(s, q) for s in self.data["sections"] for q in s["questions"]]


def read_definition(path: str | Path) -> Definition:
    """Read and validate a definition file; raises InstrumentError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InstrumentError(str(path), [f"bestand: niet leesbaar: {exc}"]) from exc
    return parse_definition(raw, source=str(path))


def parse_definition(raw: bytes | str, *, source: str) -> Definition:
    """Validate the YAML text of a definition; one InstrumentError lists all."""
    if isinstance(raw, str):
        raw = raw.encode()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (regel {mark.line + 1}, kolom {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InstrumentError(
            source, [f"bestand: ongeldige YAML{where}: {problem}"]
        ) from exc
    problems = check_definition(data)
    if problems:
        raise InstrumentError(source, problems)
    return Definition(data=data, source=source, sha256=hashlib.sha256(raw).hexdigest())


def spec_from_definition(definition: Definition) -> InstrumentSpec:
    questions = []
    for section, q in definition.questions:
        questions.append(
            QuestionSpec(
                code=q["code"],
                number=q["number"],
                section=section["code"],
                type=q["type"],
                text=q["text"].strip(),
                required=q.get("required", True),
                condition=q.get("when"),
                options=tuple(
                    OptionSpec(
                        code=o["code"],
                        label=o["label"],
                        exclusive=o.get("exclusive", False),
                        is_other=o.get("other", False),
                    )
                    for o in q.get("options") or ()
                ),
                rows=tuple(
                    RowSpec(code=r["code"], label=r["label"], condition=r.get("when"))
                    for r in q.get("rows") or ()
                ),
                settings=dict(q.get("settings") or {}),
            )
        )
    return InstrumentSpec(
        sections=tuple(s["code"] for s in definition.data["sections"]),
        questions=tuple(questions),
    )


def spec_from_yaml(path: str | Path) -> InstrumentSpec:
    """A branching spec straight from a definition file (no database)."""
    return spec_from_definition(read_definition(path))


# --- validation ----------------------------------------------------------------------
