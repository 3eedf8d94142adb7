"""Per-request spots in the compiled question partials (answering/markup.py)."""

from django import template

from responses.answering.markup import Slot, row_hidden_slot

register = template.Library()


@register.filter
def row_hidden(row_code: str) -> Slot:
    """` hidden` when branching hides this matrix row, filled in per request."""
    return row_hidden_slot(row_code)
