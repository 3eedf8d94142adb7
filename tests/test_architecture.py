"""The module graph stays a DAG and imports stay at the top of modules.

Read statically (ast), so the order in which Django happens to import things cannot
hide a circle. Celery task modules are the one documented exception: they import their
service inside the task body (the Celery pattern), which keeps workers' start-up light.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("responses", "surveys", "municipalities", "vvsg_survey")
LAZY_IMPORTS_ALLOWED = {"responses.mailing.tasks", "responses.reporting.tasks"}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _target(node: ast.ImportFrom | ast.Import, module: str, modules) -> list[str]:
    names = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            base = ".".join(module.split(".")[: -node.level] + ([base] if base else []))
        names = [base] + [f"{base}.{alias.name}" for alias in node.names]
    return [name for name in names if name in modules]


def _imports(modules) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    top, lazy = {}, {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top[module], lazy[module] = set(), set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = set(_target(node, module, modules)) - {module}
            if node in tree.body:
                top[module] |= targets
            else:
                lazy[module] |= targets
    return top, lazy


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_project_modules_import_no_circle():
    top, _ = _imports(_modules())
    assert _cycle(top) is None


def test_project_imports_stay_at_module_top():
    _, lazy = _imports(_modules())
    inside_functions = {
        module: sorted(targets)
        for module, targets in lazy.items()
        if targets and module not in LAZY_IMPORTS_ALLOWED
    }
    assert inside_functions == {}


def test_reference_apps_know_nothing_of_responses():
    # surveys (the instrument) and municipalities (reference data) are the base the
    # responses app builds on; shared helpers live in vvsg_survey.
    top, lazy = _imports(_modules())
    upward = {
        module: sorted(
            t for t in top[module] | lazy[module] if t.startswith("responses")
        )
        for module in top
        if module.startswith(("surveys", "municipalities"))
    }
    assert {m: t for m, t in upward.items() if t} == {}


def test_cycle_finder_reports_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
