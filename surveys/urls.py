from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path(
        "<int:pk>/codeboek.<str:fmt>",
        views.download_codebook,
        name="download-codebook",
    ),
]
