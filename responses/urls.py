"""URL routes of the responses app: one list per area."""

from importlib import import_module

app_name = "responses"

urlpatterns: list = []
for _module in ("respondent", "staff", "exports", "results"):
    try:
        urlpatterns += import_module(f"responses.views.{_module}").urlpatterns
    except ModuleNotFoundError as exc:
        if exc.name != f"responses.views.{_module}":
            raise
