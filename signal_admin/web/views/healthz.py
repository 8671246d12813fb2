"""`GET /healthz` for load balancers: can this process take events and hand them on?

200 when the database answers and the broker is reachable; 503 otherwise. The body says which
part failed and how old the oldest pending delivery is, so a stuck worker shows up too (it
does not fail the check: the web process can still accept events, and they are kept).
"""

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from delivery.models import Delivery

BROKER_TIMEOUT_SECONDS = 1.0


def _database() -> tuple[bool, float | None, str]:
    """(reachable, age in seconds of the oldest due pending delivery, error)."""
    try:
        oldest = (
            Delivery.objects.filter(status__in=Delivery.PENDING, next_attempt_at__isnull=False)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
    except DatabaseError as exc:
        return False, None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if oldest is None:
        return True, None, ""
    return True, max(0.0, (timezone.now() - oldest).total_seconds()), ""


def _broker() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, ""  # standalone: the broker lives in this process
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
            socket_timeout=BROKER_TIMEOUT_SECONDS,
        )
        client.ping()
    except redis.RedisError as exc:
        return False, type(exc).__name__
    return True, ""


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database_ok, oldest, database_error = _database()
    broker_ok, broker_error = _broker()
    body = {
        "status": "ok" if database_ok and broker_ok else "unavailable",
        "database": "ok" if database_ok else f"error: {database_error}",
        "broker": ("ok" if broker_ok else f"error: {broker_error}")
        if settings.REDIS_URL
        else "ok (in process)",
        "oldest_pending_delivery_seconds": None if oldest is None else round(oldest, 1),
    }
    return JsonResponse(body, status=200 if database_ok and broker_ok else 503)
