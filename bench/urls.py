"""The project's URLs plus /bench/floor/<pk>/, which exists only under bench.settings.

The floor is the least work a database-backed request can do on this stack: the full
middleware, one primary-key read, a few bytes of text. bench/ratios.py divides the
real paths by it.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from municipalities.models import Municipality
from vvsg_survey.urls import handler400
from vvsg_survey.urls import urlpatterns as project_urlpatterns


def floor(request: HttpRequest, pk: int) -> HttpResponse:
    nis_code = Municipality.objects.filter(pk=pk).values_list("nis_code", flat=True)
    return HttpResponse(nis_code.first() or "-", content_type="text/plain")


urlpatterns = [path("bench/floor/<int:pk>/", floor), *project_urlpatterns]

__all__ = ["handler400", "urlpatterns"]
