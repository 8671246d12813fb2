"""Items shared by the Mixpanel client and fake tests."""

import time
from typing import Any

from tests.support.fake_mixpanel_fixtures import TOKEN


def event(n: int = 0, **props: Any) -> dict[str, Any]:
    properties = {
        "token": TOKEN,
        "time": int(time.time() * 1000),
        "distinct_id": "user-1",
        "$insert_id": f"evt-{n}",
        "ip": "203.0.113.9",
    }
    return {"event": "Purchase", "properties": {**properties, **props}}


def profile(op: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"$token": TOKEN, "$distinct_id": "user-1", "$ip": "0", **(op or {"$set": {"a": 1}})}
