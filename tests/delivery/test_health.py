"""`GET /healthz`: what a load balancer asks before sending this process traffic."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from delivery.models import Delivery, Event
from tests.delivery.helpers import accept, mixpanel, track


def test_a_healthy_process_answers_200_with_each_part(db):
    # when
    response = Client().get("/healthz")
    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok (in process)",
        "oldest_pending_delivery_seconds": None,
    }


def test_it_needs_no_login_and_is_never_cached(db):
    response = Client().get("/healthz")
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_broker_is_a_503_that_names_it(db, settings):
    # given: nothing listens on this port
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    # when
    response = Client().get("/healthz")
    # then
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["broker"].startswith("error: ")
    assert response.json()["database"] == "ok"


def test_it_reports_how_long_the_oldest_pending_delivery_has_waited(db):
    # given: a delivery due ten minutes ago and still queued
    integration = mixpanel()
    accept(track())
    event = Event.objects.get()
    due = timezone.now() - timedelta(minutes=10)
    Delivery.objects.create(
        event=event, integration=integration, status=Delivery.QUEUED, next_attempt_at=due
    )
    # when
    body = Client().get("/healthz").json()
    # then
    assert 590 <= body["oldest_pending_delivery_seconds"] <= 700
