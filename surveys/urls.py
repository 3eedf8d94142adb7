from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("<int:pk>/", views.instrument_detail, name="instrument-detail"),
    path(
        "<int:pk>/codeboek.<str:fmt>",
        views.download_codebook,
        name="download-codebook",
    ),
]
