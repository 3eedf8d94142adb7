"""The respondent's pages, reached through the personal link /b/<token>/.

The token stays in the path (resume on any device by opening the same link); the
global Referrer-Policy same-origin keeps it from leaking to other sites, and nothing
here logs it. Every page works without JavaScript; htmx only adds per-question
autosave on top of the same services.
"""

from django.urls import path

from responses.answering.views.coverage import who_answers
from responses.answering.views.entry import (
    accessibility_statement,
    choose_municipalities,
    forward,
    start,
)
from responses.answering.views.per_bestuur import answer_per_bestuur
from responses.answering.views.questions import answer_section, autosave, saved
from responses.answering.views.submit import (
    confirmation,
    download_copy,
    reopen,
    review,
    submit,
)

urlpatterns = [
    path(
        "toegankelijkheid/",
        accessibility_statement,
        name="accessibility-statement",
    ),
    path("b/<str:token>/", start, name="respondent-start"),
    path(
        "b/<str:token>/besturen/", choose_municipalities, name="choose-municipalities"
    ),
    path("b/<str:token>/vragen/<slug:section>/", answer_section, name="answer-section"),
    path(
        "b/<str:token>/vragen/<slug:section>/opslaan/", autosave, name="autosave-answer"
    ),
    path("b/<str:token>/bewaard/", saved, name="view-saved"),
    path("b/<str:token>/overzicht/", review, name="review-response"),
    path("b/<str:token>/indienen/", submit, name="submit-response"),
    path("b/<str:token>/bedankt/", confirmation, name="view-confirmation"),
    path("b/<str:token>/wijzigen/", reopen, name="reopen-response"),
    path("b/<str:token>/kopie.pdf", download_copy, name="download-copy"),
    path("b/<str:token>/doorsturen/", forward, name="forward-invitation"),
    path("b/<str:token>/wie-antwoordt/", who_answers, name="who-answers"),
    path("b/<str:token>/per-bestuur/", answer_per_bestuur, name="answer-per-bestuur"),
]
