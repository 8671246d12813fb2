"""The contract between the generic pipeline and a destination's folder.

A destination is one folder under `integrations/destinations/<key>/` holding a subclass of
`Destination` (its catalog data and behaviour), its blueprints (`blueprints/<variant>.json`,
the one source of each variant's name, description, status and version), its sample events
(`samples.json`), the pure transform and the HTTP client. The catalog registers one instance
of it; the pipeline and the generic pages know nothing else about it.

The pipeline speaks only these shapes: the transform turns one source event into an
`Outcome` (operations to send, or a recorded decision), the client sends a batch of operation
items for one endpoint and answers a `SendResult`, and a troubleshooting hint is looked up by
the code of what happened, never by matching the text of a message.
"""

import dataclasses
import json
import os
import string
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal

import httpx

Decision = Literal["deliver", "suppressed", "filtered", "rejected"]
SendKind = Literal["delivered", "partial", "rejected", "retry", "auth_error", "too_large"]
FieldType = Literal["string", "secret", "boolean"]
# The code the pipeline asks a hint for when the transform rejected an event: the context
# then names the field at fault and the reason.
INVALID_FIELD = "invalid_field"


@dataclass(frozen=True)
class ConfigField:
    key: str
    label: str
    type: FieldType
    required: bool = False
    default: Any = None
    help: str = ""
    link: str = ""
    # Shown folded under "Advanced" in the install and edit forms.
    advanced: bool = False

    @property
    def secret(self) -> bool:
        return self.type == "secret"


@dataclass(frozen=True)
class ChoiceGroup:
    """Boolean config fields that are really one choice, shown as radio buttons.

    The config keeps one boolean per option (so the Management API is unchanged); the forms
    show one choice, and choosing an option turns its boolean on and the others off. An
    option with an empty key is "none of them" (e.g. US residency: neither EU nor India).
    """

    key: str
    label: str
    options: tuple[tuple[str, str], ...]  # (config key or "", label)
    help: str = ""
    link: str = ""
    required: bool = False
    advanced: bool = False
    type: str = "choice"
    secret: bool = False

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.options if key)

    def value_of(self, config: dict[str, Any]) -> str:
        """The chosen option's key for a config; the first switched-on member wins."""
        return next((key for key in self.members if config.get(key)), "")


@dataclass(frozen=True)
class Variant:
    key: str
    name: str
    description: str


@dataclass(frozen=True)
class Host:
    """One API host a destination sends to, overridable by a setting of its own name.

    The setting is read from Django's settings first (tests point it at a fake), then from
    the environment, so a destination's hosts never need a line in `settings.py`.
    """

    setting: str
    default: str
    help: str = ""

    def url(self) -> str:
        from django.conf import settings

        value = getattr(settings, self.setting, None) or os.environ.get(self.setting)
        return str(value or self.default).rstrip("/")


class Notice(str):
    """A warning about one event: its text, and the code its troubleshooting hint is keyed by.

    It is a `str`, so a delivery stores and shows the text as it always has; the code travels
    beside it (`Outcome.warning_codes`) and is stored with the delivery.
    """

    code: str

    def __new__(cls, code: str, message: str) -> "Notice":
        notice = super().__new__(cls, message)
        notice.code = code
        return notice


def warning_codes(warnings: list[str]) -> list[str]:
    """The codes of these warnings, in order, once each (plain strings have none)."""
    return list(dict.fromkeys(w.code for w in warnings if isinstance(w, Notice) and w.code))


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

    @property
    def warning_codes(self) -> list[str]:
        return warning_codes(self.warnings)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: the golden files' shape, and what the preview API answers.

        `warning_codes` appears only when a warning carries one."""
        data = {
            "status": self.status,
            "destination_event": self.destination_event,
            "operations": [op.to_json() for op in self.operations],
            "reason": self.reason,
            "field": self.field,
            "warnings": [str(w) for w in self.warnings],
        }
        return data | ({"warning_codes": codes} if (codes := self.warning_codes) else {})


@dataclass
class SendResult:
    """What the destination answered to one HTTP request carrying a batch of items.

    kind:
      delivered  - every item accepted
      partial    - some items refused (`failed` maps item index -> error), to be sent again
                   later (`retry` maps item index -> why), or not taken though not at fault
                   (`resend`: sent again at once, in the same round); the rest accepted
      rejected   - every item refused as invalid; never retry
      retry      - transient (429, 5xx, timeout, connection error); resend the same bytes later
      auth_error - credentials refused (401/403); hold deliveries until settings are fixed
      too_large  - 413; split the batch and resend

    `code` names what happened in the destination's own terms ("invalid_secret",
    "rate_limited"...): it is stored with the attempt and keys the troubleshooting hint.
    `retry_after`: seconds the destination asks Signal to wait before sending again what it
    did not take (`retry`, or the whole batch for `retry`); 0 leaves it to the backoff.
    """

    kind: SendKind
    status_code: int | None
    response_body: str
    latency_ms: int
    url: str  # without credentials
    request_body: str  # as sent (uncompressed), secrets and auth removed
    error: str = ""
    failed: dict[int, str] = dataclasses.field(default_factory=dict)
    retry: dict[int, str] = dataclasses.field(default_factory=dict)
    resend: list[int] = dataclasses.field(default_factory=list)
    code: str = ""
    retry_after: float = 0.0


@dataclass(frozen=True)
class HintContext:
    """What a hint may say about one delivery: its error, the field at fault when known, the
    destination's answer (parsed JSON), the operations sent, and the installed blueprint."""

    error: str = ""
    field: str = ""
    message: str = ""
    response: Any = None
    operations: tuple[dict[str, Any], ...] = ()
    blueprint: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


class Destination(ABC):
    """One destination: catalog data as class attributes, behaviour as methods.

    Facts about variants (name, description), the status and the blueprint version are read
    from the folder's blueprint files, so each has one source.
    """

    key: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[str]
    description: ClassVar[str]
    docs_url: ClassVar[str]
    folder: ClassVar[Path]  # holds blueprints/<variant>.json and samples.json
    fields: ClassVar[tuple[ConfigField, ...]]
    # Boolean fields the forms show as one choice (e.g. data residency).
    choice_groups: ClassVar[tuple[ChoiceGroup, ...]] = ()
    # Every endpoint operations name, in the order one round sends them.
    endpoints: ClassVar[tuple[str, ...]]
    hosts: ClassVar[tuple[Host, ...]] = ()
    max_batch_items: ClassVar[int] = 1000
    max_batch_bytes: ClassVar[int] = 1024 * 1024
    # Endpoints that take fewer items a request than `max_batch_items`.
    endpoint_max_items: ClassVar[Mapping[str, int]] = {}
    # The blueprint editor's sections (integrations.editor.FormSection / RowsSection).
    editor_sections: ClassVar[tuple[Any, ...]] = ()
    # Troubleshooting hints by code; a code's text may use {error}, {field} and {message}.
    hints: ClassVar[Mapping[str, str]] = {}
    # The codes the transform's warnings carry, and what each means.
    warning_codes: ClassVar[Mapping[str, str]] = {}
    # The order variants are offered in; any other blueprint file follows, by name.
    variant_order: ClassVar[tuple[str, ...]] = ("default",)

    # -- catalog data, from the blueprint files ---------------------------------------------

    @cached_property
    def _blueprints(self) -> dict[str, dict[str, Any]]:
        files = sorted((self.folder / "blueprints").glob("*.json"))
        found = {path.stem: json.loads(path.read_text()) for path in files}
        order = [k for k in self.variant_order if k in found]
        return {k: found[k] for k in order + sorted(set(found) - set(order))}

    @cached_property
    def variants(self) -> tuple[Variant, ...]:
        return tuple(
            Variant(key, bp.get("name") or key.title(), bp.get("description", ""))
            for key, bp in self._blueprints.items()
        )

    @property
    def status(self) -> str:
        return str(self._default_blueprint.get("status", "alpha"))

    @property
    def blueprint_version(self) -> str:
        return str(self._default_blueprint.get("version", "0.0.0"))

    @property
    def _default_blueprint(self) -> dict[str, Any]:
        return next(iter(self._blueprints.values()), {})

    def variant(self, key: str) -> Variant | None:
        return next((v for v in self.variants if v.key == key), None)

    def field(self, key: str) -> ConfigField | None:
        return next((f for f in self.fields if f.key == key), None)

    def load_blueprint(self, variant: str) -> dict[str, Any]:
        """A fresh copy of the variant's shipped blueprint."""
        return json.loads((self.folder / "blueprints" / f"{variant}.json").read_text())

    def sample_events(self, variant: str) -> list[dict[str, Any]]:
        """[{"name": label, "event": {...}}]: events to preview the variant's blueprint with."""
        path = self.folder / "samples.json"
        samples = json.loads(path.read_text()) if path.exists() else {}
        return samples.get(variant) or samples.get("default") or []

    def max_items(self, endpoint: str) -> int:
        """How many items one request to `endpoint` may carry."""
        return min(
            self.endpoint_max_items.get(endpoint, self.max_batch_items), self.max_batch_items
        )

    def endpoint_rank(self, endpoint: str) -> int:
        """Where a batch for this endpoint goes in a round: in `endpoints` order, unknowns last."""
        try:
            return self.endpoints.index(endpoint)
        except ValueError:
            return len(self.endpoints)

    # -- behaviour -----------------------------------------------------------------------

    @abstractmethod
    def validate_blueprint(self, data: Any) -> list[str]:
        """Every problem with a blueprint, as "path: problem"; empty when it is valid."""

    def validate_config(self, config: dict[str, Any]) -> dict[str, str]:
        """Errors by field for combinations the fields alone cannot check."""
        return {}

    @abstractmethod
    def transform(
        self,
        event: dict[str, Any],
        blueprint: dict[str, Any],
        config: dict[str, Any],
        now: datetime,
    ) -> Outcome:
        """Pure: one source event and the blueprint in, what to send (or why not) out."""

    @abstractmethod
    def build_request(
        self, config: dict[str, Any], endpoint: str, items: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """{"method", "url", "headers", "body"} exactly as `send` would send, secrets redacted."""

    @abstractmethod
    def send(
        self,
        http: httpx.Client,
        config: dict[str, Any],
        endpoint: str,
        items: list[dict[str, Any]],
    ) -> SendResult:
        """Send one batch and classify the answer (delivered, retried, failed, held)."""

    def hint(self, code: str, context: HintContext) -> str | None:
        """The fix for what the code names, or None when there is nothing to say."""
        template = self.hints.get(code)
        if not template:
            return None
        values = _Blank(error=context.error, field=context.field, message=context.message)
        return string.Formatter().vformat(template, (), values)
