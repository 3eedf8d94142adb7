"""The web half of bench/ratios.py: simulated respondents and floor clients in
timed windows, alternating floor and path (section pages, autosave)."""

from __future__ import annotations

import itertools
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench import load_bench

FOREVER = float("inf")


def quantile(values: list[float], q: int) -> float:
    ordered = sorted(values)
    if len(ordered) < 2:
        return ordered[0] if ordered else float("nan")
    return statistics.quantiles(ordered, n=100, method="inclusive")[q - 1]


class Client(load_bench.Respondent):
    """A respondent (or, with no link, a cookie-less client) that spreads its
    requests round-robin over one or more base URLs."""

    def __init__(self, bases: list[str], link: str, stats: load_bench.Stats):
        super().__init__(bases[0], link, stats, FOREVER, 10**9)
        self.bases = itertools.cycle(bases)

    def use(self, bases: list[str]) -> None:
        self.bases = itertools.cycle(bases)

    def request(self, kind: str, path: str, data: dict | list | None = None) -> str:
        self.base = next(self.bases)
        return super().request(kind, path, data)


@dataclass
class Plan:
    """What each respondent does in a window: sections to view, answers to save."""

    sections: list[str]
    saves: list[tuple[str, str, list]] = field(default_factory=list)


def plan_for(spec: Any) -> Plan:
    from surveys import branching

    sections, section = [], branching.next_section(spec, {}, None)
    while section:
        sections.append(section)
        section = branching.next_section(spec, {}, section)
    first, saves = sections[0], []
    answers: dict[str, Any] = {}
    for question in spec.in_section(first):
        visibility = branching.evaluate(spec, answers)
        if question.code not in visibility.visible:
            continue
        fields, value = load_bench.answer_fields(question, visibility)
        if fields is not None:
            saves.append((question.code, first, fields))
            answers[question.code] = value
    visible = branching.evaluate(spec, answers).visible
    return Plan(sections, [s for s in saves if s[0] in visible])


def run_window(loops: list[Callable[[float], None]], seconds: float) -> float:
    """Run every loop in its own thread until `seconds` have passed; wall time."""
    stop = time.monotonic() + seconds
    return load_bench.run_phase(
        [threading.Thread(target=loop, args=(stop,)) for loop in loops]
    )


def starting(client: Client) -> Callable[[float], None]:
    """Open the link and say who answers, as a (zero-length) window loop."""

    def loop(stop: float) -> None:
        client.start()

    return loop


def floor_loop(client: Client, kind: str, pks: list[int]) -> Callable[[float], None]:
    def loop(stop: float) -> None:
        for pk in itertools.cycle(pks):
            if time.monotonic() > stop:
                return
            client.request(kind, f"/bench/floor/{pk}/")

    return loop


def section_loop(client: Client, kind: str, plan: Plan) -> Callable[[float], None]:
    def loop(stop: float) -> None:
        for section in itertools.cycle(plan.sections):
            if time.monotonic() > stop:
                return
            client.request(kind, f"{client.link}vragen/{section}/")

    return loop


def autosave_loop(client: Client, kind: str, plan: Plan) -> Callable[[float], None]:
    revisions: dict[str, int] = {}

    def loop(stop: float) -> None:
        for code, section, fields in itertools.cycle(plan.saves):
            if time.monotonic() > stop:
                return
            rev = revisions.get(code, 0)
            reply = client.request(
                kind,
                f"{client.link}vragen/{section}/opslaan/",
                [*fields, ("_question", code), (f"q-{code}-rev", rev)],
            )
            revisions[code] = reply_revision(reply, code, rev + 1)

    return loop


def reply_revision(reply: str, code: str, guess: int) -> int:
    """The revision the server answered (hidden input or JSON), else `guess`."""
    for found, rev in load_bench.REV.findall(reply):
        if found == code:
            return int(rev)
    if reply.lstrip().startswith("{"):
        try:
            data = json.loads(reply)
        except ValueError:
            return guess
        value = data.get("revision", data.get("revisions", {}).get(code, guess))
        return int(value) if isinstance(value, int | str) else guess
    return guess


@dataclass
class Window:
    kind: str
    requests: int
    errors: int
    p50: float
    p95: float
    rps: float


def summary(stats: load_bench.Stats, kind: str, wall: float) -> Window:
    values = stats.samples.get(kind, [])
    errors = stats.errors.get(kind, 0)
    return Window(
        kind,
        len(values),
        errors,
        quantile(values, 50) * 1000,
        quantile(values, 95) * 1000,
        (len(values) - errors) / wall,
    )


def show(window: Window) -> str:
    return (
        f"{window.kind} n={window.requests} err={window.errors} "
        f"p50={window.p50:.0f}ms p95={window.p95:.0f}ms {window.rps:.1f}/s"
    )


def web_pairs(
    bases: list[str], links: list[str], spec: Any, *, pairs: int, window: float
) -> dict[str, list[tuple[Window, Window]]]:
    """(floor, section) and (floor, autosave) pairs, alternating in one run."""
    from municipalities.models import Municipality

    stats = load_bench.Stats()
    respondents = [Client(bases, link, stats) for link in links]
    run_window([starting(r) for r in respondents], 0)
    if stats.errors:
        raise SystemExit(f"respondents could not start: {dict(stats.errors)}")
    plan = plan_for(spec)
    pks = list(Municipality.objects.order_by("pk").values_list("pk", flat=True)[:300])
    floors = [Client(bases, "", stats) for _ in links]
    results: dict[str, list[tuple[Window, Window]]] = {"section": [], "autosave": []}
    warm = "warm-up"
    run_window([section_loop(r, warm, plan) for r in respondents], 2)
    for i in range(pairs):
        for path, make in (("section", section_loop), ("autosave", autosave_loop)):
            floor_kind, path_kind = f"floor-{path}-{i}", f"{path}-{i}"
            floor_wall = run_window(
                [floor_loop(f, floor_kind, pks) for f in floors], window
            )
            path_wall = run_window(
                [make(r, path_kind, plan) for r in respondents], window
            )
            pair = (
                summary(stats, floor_kind, floor_wall),
                summary(stats, path_kind, path_wall),
            )
            results[path].append(pair)
            print(f"  pair {i + 1}: {show(pair[0])} | {show(pair[1])}", flush=True)
    return results
