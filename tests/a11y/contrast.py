"""WCAG contrast from computed CSS colours (relative luminance, WCAG 2.1 §1.4.3)."""

from __future__ import annotations

import re

_RGB = re.compile(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)")

# Effective background behind an element: the first ancestor with an opaque-ish
# background colour, white at the root (the pages' body background).
BACKGROUND_JS = """(el) => {
  for (let node = el.parentElement; node; node = node.parentElement) {
    const bg = getComputedStyle(node).backgroundColor;
    if (bg && bg !== "transparent" && !bg.endsWith(", 0)")) return bg;
  }
  return "rgb(255, 255, 255)";
}"""


def parse_colours(css: str) -> list[tuple[float, float, float, float]]:
    """Every rgb()/rgba() colour in a computed value, in order."""
    return [
        (float(r), float(g), float(b), float(a) if a else 1.0)
        for r, g, b, a in _RGB.findall(css)
    ]


def over(colour, background) -> tuple[float, float, float]:
    """A translucent colour composited over an opaque background."""
    r, g, b, a = colour
    br, bg, bb = background[:3]
    return (r * a + br * (1 - a), g * a + bg * (1 - a), b * a + bb * (1 - a))


def luminance(rgb) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
