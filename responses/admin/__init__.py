"""Admin registrations, one module per area."""

from responses.admin import campaign, delivery, response  # noqa: F401 - registers
