"""URL routes of the responses app: one list per part, each beside its views."""

from responses.answering import views as answering
from responses.mailing import unsubscribe_views
from responses.mailing import views as mailing
from responses.reporting.views import exports, results

app_name = "responses"

urlpatterns = [
    *answering.urlpatterns,
    *mailing.urlpatterns,
    *unsubscribe_views.urlpatterns,
    *exports.urlpatterns,
    *results.urlpatterns,
]
