from django.http import HttpResponse
from django.views.decorators.cache import never_cache

from vvsg_survey.middleware import bad_request_page


@never_cache
def healthz(request):
    """Liveness probe and the load benchmark's baseline: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request, exception=None):
    """handler400: rendered without the request, so it cannot fail a second time
    on the same unreadable body (the CSRF token lookup would read it again)."""
    return bad_request_page(reason="request")
