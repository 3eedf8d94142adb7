"""Admin registrations, one module per area."""

from importlib import import_module

for _module in ("campaign", "response", "delivery"):
    try:
        import_module(f"responses.admin.{_module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"responses.admin.{_module}":
            raise
