"""Mixpanel's identity merging, as the fake Mixpanel applies it.

The fake's own reading of Mixpanel's documentation, kept apart from Signal's code so that a
mistake in Signal cannot hide in both. Each project has identity clusters; which events
merge depends on the project's ID merge system:

Original ID Merge ("Identifying Users (Original)", Create Identity, Merge Identities):
- `$identify` merges `$anon_id` with `$identified_id` only when `$anon_id` is a UUID v4 that
  is not already merged; anything else is accepted and does nothing;
- `$merge` merges the two `$distinct_ids`, whatever their format, but only when it arrives
  through /import authenticated by the API secret or a service account;
- `$create_alias` merges `alias` into `distinct_id` when the alias is not yet merged.
Simplified ID Merge ("Identifying Users (Simplified)"): any event carrying both `$device_id`
and `$user_id` merges them (and `$device:<id>`, the distinct_id Mixpanel derives for the
device); `$identify`, `$merge` and `$create_alias` do nothing special.
"""

import re
from typing import Any

UUID_V4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", re.I)
MODES = ("original", "simplified")
NOT_MERGED_ON_TRACK = "$merge is only accepted through /import"
WEAK_AUTH = "$merge through /import needs the API secret or a service account, not the token"


class IdentityStore:
    """Identity clusters per project token, and a log of every merge decision."""

    def __init__(self) -> None:
        self._parent: dict[str, dict[str, str]] = {}
        self.log: list[dict[str, Any]] = []

    def observe(self, mode: str, token: str, item: dict[str, Any], strong_auth: bool) -> None:
        """Apply one ingested event. `strong_auth`: it came through /import with the API
        secret or a service account."""
        props = item.get("properties") or {}
        name = item.get("event")
        if mode == "simplified":
            device, user = props.get("$device_id"), props.get("$user_id")
            if _usable(device) and _usable(user):
                self._decide(token, name, [user, device, f"$device:{device}"], None)
            return
        if name == "$identify":
            self._identify(token, props)
        elif name == "$merge":
            ids = props.get("$distinct_ids")
            if not (isinstance(ids, list) and len(ids) == 2 and all(map(_usable, ids))):
                self._decide(token, name, [], "$distinct_ids must be a list of two ids")
            else:
                self._decide(token, name, ids, None if strong_auth else WEAK_AUTH)
        elif name == "$create_alias":
            alias, original = props.get("alias"), props.get("distinct_id")
            taken = _usable(alias) and self._merged_elsewhere(token, alias, original)
            problem = "the alias already belongs to another id" if taken else None
            self._decide(token, name, [original, alias], problem)

    def _identify(self, token: str, props: dict[str, Any]) -> None:
        known, anon = props.get("$identified_id"), props.get("$anon_id")
        problem = None
        if not (_usable(known) and _usable(anon)):
            problem = "$identified_id and $anon_id are required"
        elif not UUID_V4.fullmatch(anon):
            problem = "$anon_id is not a UUID v4: accepted, not merged"
        elif self._merged_elsewhere(token, anon, known):
            problem = "$anon_id is already merged to another id"
        self._decide(token, "$identify", [known, anon], problem)

    def _decide(self, token: str, name: Any, ids: list[Any], problem: str | None) -> None:
        if problem is None and all(map(_usable, ids)):
            for other in ids[1:]:
                self._union(token, ids[0], other)
        merged = problem is None
        entry = {"token": token, "event": name, "ids": ids, "merged": merged}
        self.log.append(entry | {"reason": problem or ""})

    def _merged_elsewhere(self, token: str, an_id: str, target: Any) -> bool:
        """Whether `an_id` is already in a cluster with some id other than `target`."""
        return len(self.cluster(token, an_id) - {an_id, target}) > 0

    def _find(self, token: str, an_id: str) -> str:
        parent = self._parent.setdefault(token, {})
        root = an_id
        while parent.get(root, root) != root:
            root = parent[root]
        return root

    def _union(self, token: str, a: str, b: str) -> None:
        parent = self._parent.setdefault(token, {})
        root_a, root_b = self._find(token, a), self._find(token, b)
        parent.setdefault(root_a, root_a)
        parent[root_b] = root_a

    def cluster(self, token: str, an_id: str) -> set[str]:
        """Every id merged with `an_id` (itself included)."""
        root = self._find(token, an_id)
        members = {i for i in self._parent.get(token, {}) if self._find(token, i) == root}
        return members | {an_id}

    def merged(self, token: str, a: str, b: str) -> bool:
        return a == b or self._find(token, a) == self._find(token, b)


def _usable(value: Any) -> bool:
    return isinstance(value, str) and value != ""
