"""The contract between the generic pipeline and a destination's folder.

The pipeline knows only these shapes: a destination's transform turns one source event into
an `Outcome` (operations to send, or a recorded decision), and its client sends a batch of
operation items for one endpoint and answers a `SendResult`.
"""

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

Decision = Literal["deliver", "suppressed", "filtered", "rejected"]
SendKind = Literal["delivered", "partial", "rejected", "retry", "auth_error", "too_large"]


@dataclass(frozen=True)
class Operation:
    """One item for one endpoint, e.g. ("/track", {"event": ..., "properties": {...}})."""

    endpoint: str
    item: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "item": self.item}


@dataclass
class Outcome:
    """What one event becomes at one destination."""

    status: Decision
    operations: list[Operation] = dataclasses.field(default_factory=list)
    destination_event: str | None = None
    reason: str = ""  # why suppressed / filtered / rejected
    field: str | None = None  # the field at fault, when rejected
    warnings: list[str] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: the golden files' shape, and what the preview API answers."""
        return {
            "status": self.status,
            "destination_event": self.destination_event,
            "operations": [op.to_json() for op in self.operations],
            "reason": self.reason,
            "field": self.field,
            "warnings": list(self.warnings),
        }


@dataclass
class SendResult:
    """What the destination answered to one HTTP request carrying a batch of items.

    kind:
      delivered  - every item accepted
      partial    - some items rejected (`failed` maps item index -> error), the rest accepted
      rejected   - every item refused as invalid; never retry
      retry      - transient (429, 5xx, timeout, connection error); resend the same bytes later
      auth_error - credentials refused (401/403); hold deliveries until settings are fixed
      too_large  - 413; split the batch and resend
    """

    kind: SendKind
    status_code: int | None
    response_body: str
    latency_ms: int
    url: str  # without credentials
    request_body: str  # as sent (uncompressed), secrets and auth removed
    error: str = ""
    failed: dict[int, str] = dataclasses.field(default_factory=dict)
