"""Live-events broadcasting: the one helper every status change goes through.

The channel layer is at-most-once and never part of the delivery path: a failed or slow
broadcast is logged and dropped, and never fails or blocks a delivery.
"""

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from delivery.models import Delivery
from delivery.rows import DeliveryRow

log = logging.getLogger("signal.broadcast")
# In standalone mode the in-memory layer lives on the web server's event loop; the worker
# threads hand their messages to that loop instead of running a loop of their own.
serving_loop: asyncio.AbstractEventLoop | None = None


def group_name(integration_id: int) -> str:
    return f"integration.{integration_id}"


def message_for(delivery: Delivery | DeliveryRow) -> dict[str, Any]:
    """The live-events message for one delivery (SPEC "Live Events").

    A claimed row carries its event's facts itself; a model instance has them on `.event`."""
    event = delivery if isinstance(delivery, DeliveryRow) else delivery.event
    return {
        "id": event.message_id,
        "delivery_id": delivery.id,
        "received_at": event.received_at.isoformat(),
        "type": event.type,
        "event": event.name,
        "destination_event": delivery.destination_event,
        "status": delivery.status,
        "status_code": delivery.status_code,
        "endpoint": delivery.endpoint,
        "error": delivery.error,
        "latency_ms": delivery.latency_ms,
    }


def broadcast(integration_id: int, messages: list[dict[str, Any]]) -> None:
    if not messages:
        return
    payload = {"type": "delivery.update", "messages": messages}
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        group = group_name(integration_id)
        if serving_loop is not None and serving_loop.is_running():
            asyncio.run_coroutine_threadsafe(layer.group_send(group, payload), serving_loop)
        else:
            async_to_sync(layer.group_send)(group, payload)
    except Exception as exc:  # never let the live view hurt delivery
        log.warning("live-events broadcast dropped: %s", exc)


def broadcast_deliveries(deliveries) -> None:
    by_integration: dict[int, list[dict[str, Any]]] = {}
    for delivery in deliveries:
        by_integration.setdefault(delivery.integration_id, []).append(message_for(delivery))
    for integration_id, messages in by_integration.items():
        broadcast(integration_id, messages)
