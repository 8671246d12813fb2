"""Building Amplitude items for client tests: what the transform would hand the sender."""

from typing import Any

BASE_TIME = 1795867083250


def event(n: int, user_id: str = "user-12345", **fields: Any) -> dict[str, Any]:
    return {
        "event_type": "Video Played",
        "user_id": user_id,
        "device_id": "4f7c1b8e-2d3a-4c5b-9e6f-a1b2c3d4e5f6",
        "time": BASE_TIME + n,
        "insert_id": f"msg-{n:04d}",
        "event_properties": {"n": n},
        **fields,
    }


def events(count: int, **fields: Any) -> list[dict[str, Any]]:
    return [event(n, **fields) for n in range(count)]
