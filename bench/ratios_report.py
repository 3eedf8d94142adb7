"""Markdown for bench/ratios.py: the four ratios, the pairs behind them, and the
section of docs/benchmarks.md that --write-docs replaces."""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import time
from typing import Any

from bench.load_bench import ROOT

DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Ratios (issue 14)"


def _spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """'median (min–max)' of the per-pair ratios."""
    median = fmt.format(statistics.median(values))
    if len(values) == 1:
        return median
    return f"{median} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def ratios(results: dict[str, Any]) -> dict[str, list[float]]:
    web = results["web"]
    return {
        "section": [p.p95 / f.p95 for f, p in web["section"]],
        "autosave": [p.rps / f.rps for f, p in web["autosave"]],
        "export": [e["seconds"] / c["seconds"] for c, e in results["export"]["pairs"]],
        "mail": [p["seconds"] / c["seconds"] for p, c in results["mail"]["pairs"]],
    }


def commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "?"


def render(mode: Any, args: argparse.Namespace, results: dict[str, Any]) -> str:
    small, large = mode.export_sizes
    r = ratios(results)
    export = results["export"]
    big_rss = max(e["peak_rss_mb"] for _, e in export["pairs"])
    mails = mode.mails
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit "
        f"{commit()}, `{mode.name}` mode ({mode.pairs} pairs of {mode.window:.0f} s "
        f"windows per web ratio, {mode.export_pairs} export and {mode.mail_pairs} "
        f"mail pairs), {os.cpu_count()} CPUs, "
        f"{results['minutes']:.1f} min in all. Load average (1/5/15 min) before: "
        f"{results['load'][0]}; after: {results['load'][1]}.",
        "",
        "| path | floor | ratio: median (range over pairs) | goal |",
        "|---|---|---:|---|",
        f"| section page p95, 50 concurrent | floor view p95 | "
        f"{_spread(r['section'])} × | ≤ 3 × |",
        f"| autosave throughput, 50 concurrent | floor view req/s | "
        f"{_spread(r['autosave'])} × | ≥ 0.5 × |",
        f"| CSV export of {large:,} responses (`export_to_file`) | `COPY … TO "
        f"STDOUT` of the same tables | {_spread(r['export'])} × | ≤ 2 × |",
        f"| {mails:,} invitation mails through Celery | plain smtplib loop, same "
        f"sink | {_spread(r['mail'])} × | ≥ 0.5 × |",
        "",
        "Export peak RSS (whole process; VmHWM reset after Django setup): "
        f"{small:,} responses "
        f"{export['small']['peak_rss_mb']:.0f} MB, {large:,} responses "
        f"{big_rss:.0f} MB (resident before the export: "
        f"{export['small']['rss_before_mb']:.0f} MB). Mail worker peak RSS "
        f"(sum over its processes): {results['mail']['worker_rss']:.0f} MiB.",
        "",
        "| pair | floor p95 ms | section p95 ms | floor req/s | autosave req/s "
        "| errors (floor/path) |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    web = results["web"]
    for i, ((fs, s), (fa, a)) in enumerate(
        zip(web["section"], web["autosave"], strict=True), 1
    ):
        lines.append(
            f"| {i} | {fs.p95:.1f} | {s.p95:.1f} | {fa.rps:.1f} | {a.rps:.1f} | "
            f"{fs.errors + fa.errors}/{s.errors + a.errors} |"
        )
    lines += [
        "",
        "| pair | COPY s | export s | export rows | mails: smtplib s | Celery s "
        "| RCPTs / distinct / SENT rows |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    mail_pairs = results["mail"]["pairs"]
    for i, (c, e) in enumerate(export["pairs"]):
        mail = (
            f"{mail_pairs[i][0]['seconds']:.1f} | {mail_pairs[i][1]['seconds']:.1f} | "
            f"{mail_pairs[i][1]['rcpts']} / {mail_pairs[i][1]['distinct']} / "
            f"{mail_pairs[i][1]['sent_rows']}"
            if i < len(mail_pairs)
            else "- | - | -"
        )
        lines.append(
            f"| {i + 1} | {c['seconds']:.2f} | {e['seconds']:.2f} | {e['rows']} | "
            f"{mail} |"
        )
    return "\n".join(lines)


def write_docs(text: str, label: str) -> None:
    """Replace the subsection `### <label>` under SECTION (or add it)."""
    heading = f"### {label}"
    body = f"{heading}\n\n{text}\n"
    doc = DOCS.read_text(encoding="utf-8")
    if SECTION not in doc:
        doc = doc.rstrip("\n") + f"\n\n{SECTION}\n"
    start = doc.index(SECTION)
    end_match = re.compile(r"^## ", re.M).search(doc, start + len(SECTION))
    end = end_match.start() if end_match else len(doc)
    part = doc[start:end]
    old = re.compile(rf"^{re.escape(heading)}\n.*?(?=^### |\Z)", re.S | re.M)
    if old.search(part):
        part = old.sub(lambda _: body + "\n", part, count=1)
    else:
        part = part.rstrip("\n") + f"\n\n{body}\n"
    DOCS.write_text(doc[:start] + part + doc[end:].lstrip("\n"), encoding="utf-8")
    print(f"wrote '{heading}' in {DOCS.relative_to(ROOT)}")
