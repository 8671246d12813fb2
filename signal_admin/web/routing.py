"""Websocket routes (wrapped by signal_admin.asgi in the origin check and the session auth)."""

from django.urls import path, re_path

from signal_admin.web import converters
from signal_admin.web.consumers import LiveEventsConsumer, NotFoundConsumer

assert converters.IdConverter  # registers <id:...>

websocket_urlpatterns = [
    path("ws/integrations/<id:pk>/live/", LiveEventsConsumer.as_asgi()),
    re_path(r"", NotFoundConsumer.as_asgi()),
]
