"""The Live Events websocket: one integration's delivery updates, for staff only.

Every status change reaches the group `integration.<id>` through delivery.broadcast; this
consumer forwards each message of a `delivery.update` to the browser as its own JSON object.
On connect it first sends the integration's most recent deliveries, so the page is never
blank. The channel layer is at-most-once: the page may miss an update, the database never.
"""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from delivery.broadcast import group_name, message_for
from delivery.models import Delivery
from integrations.models import Integration

RECENT_ON_CONNECT = 50
# Close codes in the application range (4000-4999); sent when the handshake is refused.
FORBIDDEN = 4403
NOT_FOUND = 4404


def may_watch(user: Any, integration_id: int) -> bool:
    """Staff may watch any integration that exists; nobody else may watch any."""
    if user is None or not user.is_authenticated:
        return False
    if not (user.is_active and user.is_staff):
        return False
    return Integration.objects.filter(pk=integration_id).exists()


def recent_messages(integration_id: int, limit: int = RECENT_ON_CONNECT) -> list[dict[str, Any]]:
    """The latest deliveries' messages, oldest first (the page shows the newest on top)."""
    rows = (
        Delivery.objects.filter(integration_id=integration_id)
        .select_related("event")
        .order_by("-id")[:limit]
    )
    return [message_for(row) for row in reversed(rows)]


class LiveEventsConsumer(AsyncJsonWebsocketConsumer):
    integration_id: int | None = None
    group: str | None = None

    async def connect(self) -> None:
        integration_id = int(self.scope["url_route"]["kwargs"]["pk"])
        if not await database_sync_to_async(may_watch)(self.scope.get("user"), integration_id):
            await self.close(code=FORBIDDEN)
            return
        # Join before reading the backlog, so nothing falls between the two; the page
        # merges a delivery it hears twice by its delivery_id.
        self.integration_id = integration_id
        self.group = group_name(integration_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        for message in await database_sync_to_async(recent_messages)(integration_id):
            await self.send_json(message)

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The stream is one-way; anything the browser sends is ignored."""

    async def delivery_update(self, event: dict[str, Any]) -> None:
        for message in event.get("messages", []):
            await self.send_json(message)


class NotFoundConsumer(AsyncJsonWebsocketConsumer):
    """Any other websocket path: refused at the handshake, with no traceback in the log."""

    async def connect(self) -> None:
        await self.close(code=NOT_FOUND)
