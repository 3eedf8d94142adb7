from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from responses.mailing.tasks import (
    send_delivery_task,
    send_due_reminders_task,
    send_invitations_task,
)
from responses.models import Delivery, DeliveryStatus
from tests.factories import make_campaign, make_contact, make_reminder_rule
from vvsg_survey.celery import app

pytestmark = pytest.mark.django_db


def test_tasks_are_registered_under_their_explicit_names():
    names = set(app.tasks.keys())

    assert {
        "responses.send_delivery",
        "responses.send_due_reminders",
        "responses.send_invitations",
    } <= names
    assert (
        app.conf.beat_schedule["send-due-reminders"]["task"]
        == "responses.send_due_reminders"
    )


def test_send_delivery_task_returns_quietly_for_a_missing_row():
    assert send_delivery_task.delay(987654).get() == "missing"


def test_send_invitations_task_sends_once_even_when_run_twice(
    django_capture_on_commit_callbacks,
):
    campaign = make_campaign()
    mayor = make_contact()

    with django_capture_on_commit_callbacks(execute=True):
        send_invitations_task.delay(campaign.pk)
        send_invitations_task.delay(campaign.pk)

    assert [m.to for m in mail.outbox] == [[mayor.email]]
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_send_due_reminders_task_queues_reminders_of_open_campaigns(
    django_capture_on_commit_callbacks,
):
    campaign = make_campaign()
    mayor = make_contact()
    make_reminder_rule(campaign=campaign, first_after_days=0)
    with django_capture_on_commit_callbacks(execute=True):
        send_invitations_task.delay(campaign.pk)
    Delivery.objects.update(sent_at=timezone.now() - timedelta(days=1))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = send_due_reminders_task.delay().get()

    assert result["municipalities"] == 1
    assert [m.to for m in mail.outbox] == [[mayor.email]]
    assert mail.outbox[0].subject.startswith("Herinnering")


def test_send_due_reminders_task_ignores_a_deleted_campaign():
    assert send_due_reminders_task.delay(123456).get() == {}


@pytest.mark.django_db
def test_apply_retention_task_clears_open_text_of_long_closed_campaigns():
    from datetime import timedelta

    from django.utils import timezone

    from responses.mailing.tasks import apply_retention_task
    from responses.models import Answer, CampaignStatus
    from tests.factories import make_export_campaign, make_export_response

    campaign = make_export_campaign()
    response = make_export_response(campaign=campaign, answers={"q4": "Naam en adres"})
    text_answers = Answer.objects.filter(response=response, question__type="text")
    before = list(text_answers.values_list("value", flat=True))
    campaign.status = CampaignStatus.CLOSED
    campaign.opens_at = timezone.now() - timedelta(days=3000)
    campaign.closes_at = timezone.now() - timedelta(days=2000)
    campaign.save()

    result = apply_retention_task.delay().get()

    assert result["campaigns"] == 1
    assert any(before)
    assert not any(text_answers.values_list("value", flat=True))
