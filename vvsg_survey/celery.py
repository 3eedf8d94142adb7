import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vvsg_survey.settings")

app = Celery("vvsg_survey")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["responses.mailing", "responses.reporting"])

# Reminder rules live on the campaign; the tick only asks the service what is due,
# so running it more often than needed (or twice) is harmless.
app.conf.beat_schedule = {
    "send-due-reminders": {
        "task": "responses.send_due_reminders",
        "schedule": crontab(minute="*/15"),
    },
    # GDPR: open texts and contact details of long-closed campaigns (RETENTION_DAYS).
    "apply-retention": {
        "task": "responses.apply_retention",
        "schedule": crontab(minute=30, hour=3, day_of_month=1),
    },
}
