"""URL routes of the responses app: one list per part, each beside its views."""

from responses.answering import staff_views as coverage
from responses.answering import views as answering
from responses.mailing import participant_views as participants
from responses.mailing import unsubscribe_views
from responses.mailing import views as mailing
from responses.reporting.views import (
    exports,
    follow_up,
    mirror,
    open_answers,
    results,
)

app_name = "responses"

urlpatterns = [
    *answering.urlpatterns,
    *mailing.urlpatterns,
    *participants.urlpatterns,
    *coverage.urlpatterns,
    *unsubscribe_views.urlpatterns,
    *exports.urlpatterns,
    # Before results: /resultaten/<slug>/publiceren/ would match a question code.
    *mirror.urlpatterns,
    *follow_up.urlpatterns,
    *open_answers.urlpatterns,
    *results.urlpatterns,
]
