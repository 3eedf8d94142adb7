"""Formatting filters for the results pages (display only, no computation)."""

from django import template

from responses.reporting.results.tables import percent_label

register = template.Library()


@register.filter
def pct(fraction):
    """0.6667 -> "67%" (half up, as the report rounds); None -> ""."""
    return percent_label(fraction)


@register.filter
def svgnum(number):
    """A number for an SVG attribute: always a dot decimal, never localised."""
    return f"{float(number or 0):g}"
