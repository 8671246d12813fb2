"""Websocket routes (wrapped by signal_admin.asgi in the origin check and the session auth)."""

from django.urls import path

from delivery.consumers import LiveEventsConsumer

websocket_urlpatterns = [
    path("ws/integrations/<int:pk>/live/", LiveEventsConsumer.as_asgi()),
]
