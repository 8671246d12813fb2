"""ASGI entry point: HTTP and the live-events websockets on one port (daphne)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "signal_admin.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from delivery.collect.app import CollectionRouter  # noqa: E402
from signal_admin import body_limit  # noqa: E402
from signal_admin.web.routing import websocket_urlpatterns  # noqa: E402
from signal_admin.websocket import SameOriginValidator  # noqa: E402

body_limit.install()

# The collection API is answered first, before any routing: it is the hot path.
application = CollectionRouter(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
