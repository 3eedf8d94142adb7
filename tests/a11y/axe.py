"""A small axe-core runner for Playwright pages, on the vendored axe.min.js.

The script is evaluated through the DevTools protocol (page.evaluate), which the
page's Content-Security-Policy does not govern, so the audited page keeps its real
CSP. The file's checksum is pinned: an edited vendor file fails loudly.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def axe_source() -> str:
    data = AXE_JS.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == AXE_SHA256, f"{AXE_JS} changed (sha256 {digest})"
    return data.decode("utf-8")


def axe_violations(page, *, tags: list[str] = WCAG_21_AA) -> list[str]:
    """WCAG violations on the current page, one readable line per rule."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
            }));
        }""",
        tags,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {v['targets']}" for v in violations
    ]
