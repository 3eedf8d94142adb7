from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from vvsg_survey import twofactor
from vvsg_survey.views import healthz

admin.site.site_header = "VVSG Ledenbevraging"
admin.site.site_title = "VVSG Ledenbevraging"
# "Site weergeven" leads to the fieldwork console: the admin is for data upkeep.
admin.site.site_url = "/beheer/campagnes/"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    *twofactor.urlpatterns,
    path("gemeenten/", include("municipalities.urls")),
    path("vragenlijsten/", include("surveys.urls")),
    path("", include("responses.urls")),
]

handler400 = "vvsg_survey.views.bad_request"
