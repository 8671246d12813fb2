"""Signal's Content-Security-Policy: django-csp's middleware plus this host's websocket.

The policy itself is `CONTENT_SECURITY_POLICY` in settings. Every page Signal renders loads
its scripts and styles from files under /static/ and has no inline script, no inline style
attribute and no event-handler attribute, so the policy needs no 'unsafe-inline', nonce or
hash. Django's own admin (/django-admin/) has inline scripts and is excluded.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


def websocket_origin(request: HttpRequest) -> str | None:
    """This host as a websocket origin (ws://host:port, or wss:// over HTTPS), if it is valid.

    CSP Level 3 lets 'self' match a same-host ws:/wss: URL (Chromium since 71, Safari since
    16, Firefox); naming the host too keeps Live Events working in older browsers without
    allowing sockets to any other host, as a bare `ws:` would.
    """
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


class SignalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with this request's own websocket origin in connect-src."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origin = websocket_origin(request)
        if origin and not report_only:
            update = dict(parts.update or {})
            update["connect-src"] = [*update.get("connect-src", ()), origin]
            parts.update = update
        return parts
