"""Admin registrations, one module per area."""

from responses.admin import (  # noqa: F401 - registers
    campaign,
    coverage,
    delivery,
    response,
)
