"""Checks of a parsed definition file (pure: no Django imports).

`check_definition` returns every problem as "<place>: <problem>", where the place is
the question code when there is one, so an author can fix a file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from surveys import types

Item = dict[str, Any]  # one mapping of the parsed YAML

QUESTION_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
CHOICE_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,59}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")

TOP_KEYS = {"code", "version", "title", "intro", "privacy", "definitions", "sections"}
SECTION_KEYS = {"code", "title", "intro", "questions"}
QUESTION_KEYS = {
    "code", "number", "type", "text", "help", "required", "when",
    "options", "rows", "settings", "source", "reconstructed",
}  # fmt: skip
OPTION_KEYS = {"code", "label", "exclusive", "other"}
ROW_KEYS = {"code", "label", "when"}


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def check_definition(data: Any) -> list[str]:
    """All problems of a parsed definition ([] = valid)."""
    return _Checker().check(data)


class _Checker:
    """Collects problems; each message names the place (question code) first."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seen: dict[str, Item] = {}  # question code -> question, in file order
        self.all_codes: set[str] = set()  # to tell a forward reference from a typo

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def check(self, data: Any) -> list[str]:
        self.all_codes = _collect_codes(data)
        if not isinstance(data, dict):
            self.add(
                "bestand", "verwacht een mapping met code, version, title, sections"
            )
            return self.problems
        self._keys("bestand", data, TOP_KEYS, {"code", "version", "title", "sections"})
        if "code" in data and not (
            isinstance(data["code"], str) and SLUG_RE.match(data["code"])
        ):
            self.add(
                "bestand", "'code' moet een slug zijn (kleine letters, cijfers, - of _)"
            )
        if "version" in data and not _is_text(data["version"]):
            self.add(
                "bestand", "'version' moet tekst zijn (zet het tussen aanhalingstekens)"
            )
        for key in ("title", "intro", "privacy"):
            if key in data and not isinstance(data[key], str):
                self.add("bestand", f"'{key}' moet tekst zijn")
        self._definitions(data.get("definitions", []))
        sections = data.get("sections")
        if not isinstance(sections, list) or not sections:
            if "sections" in data:
                self.add("bestand", "'sections' moet een niet-lege lijst zijn")
            return self.problems
        section_codes: set[str] = set()
        numbers: dict[int, str] = {}
        for index, section in enumerate(sections, 1):
            self._section(index, section, section_codes, numbers)
        return self.problems

    def _keys(
        self, where: str, item: Item, allowed: set[str], required: set[str]
    ) -> None:
        for key in sorted(set(item) - allowed, key=str):
            self.add(where, f"onbekende sleutel '{key}'")
        for key in sorted(required - set(item)):
            self.add(where, f"verplichte sleutel '{key}' ontbreekt")

    def _definitions(self, definitions: Any) -> None:
        if not isinstance(definitions, list):
            self.add("definitions", "moet een lijst van {term, text} zijn")
            return
        for i, item in enumerate(definitions, 1):
            if not (isinstance(item, dict) and set(item) == {"term", "text"}
                    and _is_text(item["term"]) and _is_text(item["text"])):  # fmt: skip
                self.add(
                    f"definitions[{i}]", "verwacht precies 'term' en 'text' (tekst)"
                )

    def _section(
        self, index: int, section: Any, codes: set[str], numbers: dict[int, Any]
    ) -> None:
        where = f"sectie #{index}"
        if not isinstance(section, dict):
            self.add(where, "verwacht een mapping")
            return
        code = section.get("code")
        if isinstance(code, str):
            where = f"sectie {code}"
            if not SLUG_RE.match(code):
                self.add(
                    where, "ongeldige sectiecode (kleine letters, cijfers, - of _)"
                )
            if code in codes:
                self.add(where, "dubbele sectiecode")
            codes.add(str(code))
        self._keys(where, section, SECTION_KEYS, {"code", "title", "questions"})
        if "title" in section and not _is_text(section["title"]):
            self.add(where, "'title' moet tekst zijn")
        if "intro" in section and not isinstance(section["intro"], str):
            self.add(where, "'intro' moet tekst zijn")
        questions = section.get("questions")
        if not isinstance(questions, list) or not questions:
            if "questions" in section:
                self.add(where, "'questions' moet een niet-lege lijst zijn")
            return
        for position, question in enumerate(questions, 1):
            self._question(f"{where}, vraag #{position}", question, numbers)

    def _question(self, fallback: str, q: Any, numbers: dict[int, Any]) -> None:
        if not isinstance(q, dict):
            self.add(fallback, "verwacht een mapping")
            return
        code = q.get("code")
        where = f"vraag {code}" if isinstance(code, str) and code else fallback
        self._keys(
            where, q, QUESTION_KEYS, {"code", "number", "type", "text", "source"}
        )
        if isinstance(code, str) and code:
            if not QUESTION_CODE_RE.match(code):
                self.add(
                    where, "ongeldige vraagcode (HOOFDLETTERS, cijfers en _, max. 40)"
                )
            if code in self.seen:
                self.add(where, "dubbele vraagcode")
        elif "code" in q:
            self.add(fallback, "'code' moet tekst zijn")
        number = q.get("number")
        if "number" in q:
            if type(number) is not int or number < 1:
                self.add(where, "'number' moet een positief geheel getal zijn")
            elif number in numbers:
                self.add(where, f"dubbel vraagnummer {number} (ook {numbers[number]})")
            else:
                numbers[number] = code
        qtype = q.get("type")
        known = types.type_codes()
        if "type" in q and qtype not in known:
            self.add(where, f"onbekend type '{qtype}' (kies uit {', '.join(known)})")
            qtype = None
        if "text" in q and not _is_text(q["text"]):
            self.add(where, "'text' moet niet-lege tekst zijn")
        if "help" in q and not isinstance(q["help"], str):
            self.add(where, "'help' moet tekst zijn")
        if "source" in q and not _is_text(q["source"]):
            self.add(where, "'source' moet tekst zijn")
        for flag in ("required", "reconstructed"):
            if flag in q and not isinstance(q[flag], bool):
                self.add(where, f"'{flag}' moet true of false zijn")
        if qtype:
            self._options(where, qtype, q)
            self._rows(where, qtype, q, code)
            self._settings(where, qtype, q.get("settings", {}))
            self._result_settings(where, q)
        if "when" in q:
            self._condition(where, q["when"], own=code)
        if isinstance(code, str) and code and code not in self.seen:
            self.seen[code] = q

    def _coded_entries(
        self, where: str, entries: list[Any], *, noun: str, keys: set[str]
    ) -> Iterator[tuple[str, Item]]:
        """Yield (label, entry) for each mapping after the checks options and rows
        share: allowed keys, a unique snake_case code, a text label."""
        codes: set[str] = set()
        for i, entry in enumerate(entries, 1):
            if not isinstance(entry, dict):
                self.add(where, f"{noun} #{i}: verwacht een mapping")
                continue
            code = entry.get("code")
            label = f"{noun} {code}" if isinstance(code, str) else f"{noun} #{i}"
            self._keys(f"{where}, {label}", entry, keys, {"code", "label"})
            if "code" in entry and not (
                isinstance(code, str) and CHOICE_CODE_RE.match(code)
            ):
                self.add(where, f"{label}: ongeldige code (snake_case)")
            elif code in codes:
                self.add(where, f"dubbele {noun}code '{code}'")
            codes.add(str(code))
            if "label" in entry and not _is_text(entry["label"]):
                self.add(where, f"{label}: 'label' moet tekst zijn")
            yield label, entry

    def _options(self, where: str, qtype: str, q: Item) -> None:
        options = q.get("options")
        kind = types.get_type(qtype)
        if not kind.has_options:
            if options:
                self.add(where, f"een vraag van type '{qtype}' heeft geen 'options'")
            return
        if not isinstance(options, list) or not options:
            self.add(where, "lege of ontbrekende 'options' (verplicht voor dit type)")
            return
        others = 0
        for label, option in self._coded_entries(
            where, options, noun="optie", keys=OPTION_KEYS
        ):
            for flag in ("exclusive", "other"):
                if flag in option and not isinstance(option[flag], bool):
                    self.add(where, f"{label}: '{flag}' moet true of false zijn")
            if option.get("exclusive") is True and not kind.allows_exclusive:
                allowed = _allowing("allows_exclusive")
                self.add(where, f"{label}: 'exclusive' kan enkel bij type {allowed}")
            if option.get("other") is True:
                others += 1
                if not kind.allows_other:
                    allowed = _allowing("allows_other")
                    self.add(where, f"{label}: 'other' kan enkel bij type {allowed}")
        if others > 1:
            self.add(where, "meer dan één 'other'-optie")

    def _rows(self, where: str, qtype: str, q: Item, own: Any) -> None:
        rows = q.get("rows")
        if not types.get_type(qtype).has_rows:
            if rows:
                self.add(where, f"een vraag van type '{qtype}' heeft geen 'rows'")
            return
        if not isinstance(rows, list) or not rows:
            self.add(where, "lege of ontbrekende 'rows' (verplicht voor een matrix)")
            return
        for label, row in self._coded_entries(where, rows, noun="rij", keys=ROW_KEYS):
            if "when" in row:
                self._condition(f"{where}, {label}", row["when"], own=own)

    def _settings(self, where: str, qtype: str, settings: Any) -> None:
        if not isinstance(settings, dict):
            self.add(where, "'settings' moet een mapping zijn")
            return
        allowed = types.get_type(qtype).settings
        for key, value in settings.items():
            if key not in allowed:
                self.add(where, f"onbekende instelling '{key}' voor type '{qtype}'")
            elif not allowed[key][1](value):
                self.add(where, f"instelling '{key}' moet {allowed[key][0]} zijn")
        low, high = settings.get("min"), settings.get("max")
        if (
            isinstance(low, int | float)
            and isinstance(high, int | float)
            and low > high
        ):
            self.add(where, "instelling 'min' is groter dan 'max'")

    def _result_settings(self, where: str, q: Item) -> None:
        settings = q.get("settings")
        if not isinstance(settings, dict):
            return
        options = {o.get("code") for o in q.get("options") or () if isinstance(o, dict)}
        follow_up = settings.get("follow_up")
        if isinstance(follow_up, dict):
            unknown = [c for c in follow_up if c not in options]
            if unknown:
                self.add(where, f"follow_up: onbekende optie(s) {unknown}")
        exclude = settings.get("results_exclude")
        if isinstance(exclude, list):
            unknown = [c for c in exclude if c not in options]
            if unknown:
                self.add(where, f"results_exclude: onbekende optie(s) {unknown}")
        groups = settings.get("results_groups")
        if not isinstance(groups, list):
            return
        for i, group in enumerate(groups, 1):
            if not (
                isinstance(group, dict)
                and set(group) == {"code", "label", "options"}
                and isinstance(group["code"], str)
                and CHOICE_CODE_RE.match(group["code"])
                and _is_text(group["label"])
                and isinstance(group["options"], list)
                and group["options"]
            ):
                self.add(
                    where, f"results_groups #{i}: verwacht {{code, label, options}}"
                )
                continue
            if group["code"] in options:
                self.add(where, f"results_groups: code '{group['code']}' is een optie")
            unknown = [c for c in group["options"] if c not in options]
            if unknown:
                self.add(where, f"results_groups: onbekende optie(s) {unknown}")

    # --- conditions ---

    def _condition(self, where: str, cond: Any, *, own: Any) -> None:
        if not isinstance(cond, dict) or not cond:
            self.add(where, f"ongeldige voorwaarde {cond!r} (verwacht een mapping)")
            return
        combinators = [k for k in ("all", "any", "not") if k in cond]
        if combinators:
            if len(cond) != 1:
                self.add(where, f"voorwaarde {cond!r}: '{combinators[0]}' staat alleen")
                return
            key = combinators[0]
            parts = [cond[key]] if key == "not" else cond[key]
            if key != "not" and (not isinstance(parts, list) or not parts):
                self.add(where, f"voorwaarde '{key}' verwacht een niet-lege lijst")
                return
            for part in parts:
                self._condition(where, part, own=own)
            return
        self._leaf(where, cond, own=own)

    def _leaf(self, where: str, cond: Item, *, own: Any) -> None:
        ref = cond.get("q")
        if not isinstance(ref, str):
            self.add(where, f"voorwaarde {cond!r} mist 'q' (de vraagcode)")
            return
        unknown = set(cond) - {"q", "row", "in", "answered", "gte", "lte"}
        if unknown:
            self.add(
                where, f"voorwaarde op {ref}: onbekende sleutel(s) {sorted(unknown)}"
            )
        operators = [k for k in ("in", "answered", "gte", "lte") if k in cond]
        if not operators:
            self.add(
                where, f"voorwaarde op {ref}: geen operator (in, answered, gte, lte)"
            )
            return
        if "answered" in cond and len(operators) > 1:
            self.add(
                where,
                f"voorwaarde op {ref}: 'answered' combineert niet met andere "
                "operatoren",
            )
        if ref == own:
            self.add(where, f"voorwaarde verwijst naar de vraag zelf ({ref})")
            return
        target = self.seen.get(ref)
        if target is None:
            if ref in self.all_codes:
                self.add(
                    where,
                    f"voorwaarde verwijst vooruit naar {ref} (enkel eerdere vragen)",
                )
            else:
                self.add(where, f"voorwaarde verwijst naar onbekende vraag '{ref}'")
            return
        self._operator(where, cond, target)

    def _operator(self, where: str, cond: Item, target: Item) -> None:
        ref, ttype = cond["q"], target.get("type")
        kind = types.get_type(ttype) if ttype in types.type_codes() else None
        operators = kind.condition_operators if kind else frozenset()
        options = {
            o.get("code") for o in target.get("options") or () if isinstance(o, dict)
        }
        if "row" in cond:
            rows = {
                r.get("code") for r in target.get("rows") or () if isinstance(r, dict)
            }
            if "row" not in operators:
                self.add(where, f"voorwaarde op {ref}: 'row' kan enkel bij een matrix")
            elif cond["row"] not in rows:
                self.add(where, f"voorwaarde op {ref}: onbekende rij '{cond['row']}'")
        elif "row" in operators and "in" in cond:
            self.add(where, f"voorwaarde op {ref}: 'in' op een matrix vereist 'row'")
        if "answered" in cond and not isinstance(cond["answered"], bool):
            self.add(where, f"voorwaarde op {ref}: 'answered' moet true of false zijn")
        for op in ("gte", "lte"):
            if op in cond:
                if op not in operators:
                    allowed = " of ".join(
                        t.code
                        for t in map(types.get_type, types.type_codes())
                        if op in t.condition_operators
                    )
                    self.add(
                        where,
                        f"voorwaarde op {ref}: '{op}' kan enkel bij type {allowed}",
                    )
                elif type(cond[op]) not in (int, float):
                    self.add(where, f"voorwaarde op {ref}: '{op}' verwacht een getal")
        if "in" not in cond:
            return
        values = cond["in"]
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            self.add(
                where,
                f"voorwaarde op {ref}: 'in' verwacht een niet-lege lijst van codes",
            )
            return
        if kind is not None and (
            problem := kind.condition_values_problem(values, {str(o) for o in options})
        ):
            self.add(where, f"voorwaarde op {ref}: {problem}")


def _allowing(flag: str) -> str:
    """The registered types with a capability, for an author's message."""
    codes = [c for c in types.type_codes() if getattr(types.get_type(c), flag)]
    return " of ".join(codes)


def _collect_codes(data: Any) -> set[str]:
    codes: set[str] = set()
    if isinstance(data, dict) and isinstance(data.get("sections"), list):
        for section in data["sections"]:
            if isinstance(section, dict) and isinstance(section.get("questions"), list):
                for q in section["questions"]:
                    if isinstance(q, dict) and isinstance(q.get("code"), str):
                        codes.add(q["code"])
    return codes
