"""The websocket handshake's origin check: the exact origin, scheme and port included.

Channels' AllowedHostsOriginValidator compares only the host name, so a page on
`http://127.0.0.1:9999` could open a staff member's Live Events socket on port 8084.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": "80", "https": "443"}


def _netloc(scheme: str, netloc: str) -> str:
    """host:port in lower case, with the scheme's default port written out."""
    host, port = split_domain_port(netloc.lower())
    if not host:
        return ""
    return f"{host}:{port or DEFAULT_PORTS.get(scheme, '')}"


def origin_allowed(scope: dict) -> bool:
    """True when the handshake comes from Signal's own pages (or a configured trusted origin)."""
    headers = dict(scope.get("headers") or [])
    origin = headers.get(b"origin", b"").decode("latin-1").strip()
    host = headers.get(b"host", b"").decode("latin-1").strip()
    parsed = urlsplit(origin)
    if parsed.scheme not in DEFAULT_PORTS or not parsed.netloc or not host:
        return False
    if f"{parsed.scheme}://{parsed.netloc}".lower() in _trusted_origins():
        return True
    if not validate_host(split_domain_port(host.lower())[0], settings.ALLOWED_HOSTS):
        return False
    secure = settings.SIGNAL_HTTPS or scope.get("scheme") in ("wss", "https")
    own = "https" if secure else "http"
    return parsed.scheme == own and _netloc(own, parsed.netloc) == _netloc(own, host)


def _trusted_origins() -> set[str]:
    return {origin.lower().rstrip("/") for origin in settings.CSRF_TRUSTED_ORIGINS}


class SameOriginValidator:
    """Refuse websocket handshakes from any other origin before the app sees them."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.application(scope, receive, send)
