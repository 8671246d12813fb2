"""A destination whose behaviour lives in its own folder's modules.

Every destination folder has the same four: its blueprint module (`validation_errors`), its
transform module (`transform`), its HTTP client (`build_request`, `send`) and its
troubleshooting hints (`hint`). `FolderDestination` forwards the Destination methods to
them, so a destination's entry holds only its catalog data and its own config checks. It is
a base class, never registered itself.
"""

from datetime import datetime
from types import ModuleType
from typing import Any, ClassVar

import httpx

from integrations.destinations.base import Destination, HintContext, Outcome, SendResult


class FolderDestination(Destination):
    """A Destination whose behaviour is its folder's blueprint, transform, client and hints."""

    blueprint_module: ClassVar[ModuleType]  # validation_errors(data)
    transform_module: ClassVar[ModuleType]  # transform(event, blueprint, config, now)
    client: ClassVar[ModuleType]  # build_request(config, endpoint, items), send(http, ...)
    troubleshooting: ClassVar[ModuleType]  # hint(code, context)

    def validate_blueprint(self, data: Any) -> list[str]:
        return self.blueprint_module.validation_errors(data)

    def transform(
        self,
        event: dict[str, Any],
        blueprint: dict[str, Any],
        config: dict[str, Any],
        now: datetime,
    ) -> Outcome:
        return self.transform_module.transform(event, blueprint, config, now)

    def build_request(
        self, config: dict[str, Any], endpoint: str, items: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return self.client.build_request(config, endpoint, items)

    def send(
        self, http: httpx.Client, config: dict[str, Any], endpoint: str, items: list[dict[str, Any]]
    ) -> SendResult:
        return self.client.send(http, config, endpoint, items)

    def hint(self, code: str, context: HintContext) -> str | None:
        return self.troubleshooting.hint(code, context)
