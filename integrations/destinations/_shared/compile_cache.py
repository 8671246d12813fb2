"""Compiled blueprints, computed once per distinct content and found again cheaply.

A transform runs for every event, always with the same blueprint dict for an integration:
the hot path costs one dict lookup and one equality check; a new dict with known content
costs one JSON dump; new content is compiled once.
"""

import copy
import json
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Generic, TypeVar

from integrations.destinations._shared.blueprint_messages import BlueprintError

T = TypeVar("T")
RECENT_MAX = 64


class CompileCache(Generic[T]):
    def __init__(self, compile_blueprint: Callable[[Any], T]) -> None:
        self._by_text = lru_cache(maxsize=256)(self._from_json)
        self._compile = compile_blueprint
        # id(blueprint) -> (the dict itself, a snapshot of it, its compiled form). Holding
        # the dict keeps its id from being reused; the snapshot catches one edited in place.
        self._recent: dict[int, tuple[Any, Any, T | BlueprintError]] = {}
        self._lock = threading.Lock()

    def _from_json(self, text: str) -> T | BlueprintError:
        try:
            return self._compile(json.loads(text))
        except BlueprintError as exc:
            return exc

    def compiled(self, data: Any) -> T:
        """The compiled form of `data`; raises BlueprintError when it is invalid."""
        hit = self._recent.get(id(data))
        if hit is None or hit[0] is not data or hit[1] != data:
            # Key order is kept: it decides precedence (e.g. firstName before first_name).
            result = self._by_text(json.dumps(data, default=str))
            hit = (data, copy.deepcopy(data), result)
            with self._lock:
                if len(self._recent) >= RECENT_MAX:
                    self._recent.clear()
                self._recent[id(data)] = hit
        if isinstance(hit[2], BlueprintError):
            raise hit[2]
        return hit[2]
