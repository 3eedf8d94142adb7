"""URL routes of the responses app: one list per area, each beside its views."""

from responses.views import exports, respondent, results, staff

app_name = "responses"

urlpatterns = [
    *respondent.urlpatterns,
    *staff.urlpatterns,
    *exports.urlpatterns,
    *results.urlpatterns,
]
