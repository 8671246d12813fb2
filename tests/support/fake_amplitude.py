"""A faithful fake Amplitude: HTTP V2 (/2/httpapi), Batch (/batch), Identify (/identify) and
Group Identify (/groupidentify) on 127.0.0.1, answering as the folder README says.

with FakeAmplitude() as fake:            # or: python -m tests.support.fake_amplitude --port N
    settings.AMPLITUDE_API_URL = fake.url
    fake.script("/2/httpapi", 503)        # the next request there answers 503
    fake.throttle(user_id="user-123")     # the next request with that user's events: 429
    ...
    fake.events()                         # ingested events, deduplicated per device and insert_id

Control API for another process: GET /_fake/<received|events|identifies|group_identifies>,
POST /_fake/<script|throttle|reset> with a JSON body of the method's arguments.
"""

import argparse
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support import fake_amplitude_rules as rules
from tests.support.fake_mixpanel_http import Reply, Server

DEFAULT_API_KEY = "0123456789abcdef0123456789abcdef"
EVENT_PATHS = ("/2/httpapi", "/batch")


@dataclass
class _Fault:
    path: str
    status: int
    body: Any
    times: int
    drop: bool = False


@dataclass
class _Throttle:
    user_id: str | None
    device_id: str | None
    times: int
    quota: bool


class FakeAmplitude:
    def __init__(self, api_keys: Iterable[str] = (DEFAULT_API_KEY,), port: int = 0) -> None:
        self.api_keys = set(api_keys)
        self._port = port
        self._lock = threading.Lock()
        self._server: Server | None = None
        self.reset()

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> "FakeAmplitude":
        self._server = Server(("127.0.0.1", self._port), self)  # type: ignore[arg-type]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeAmplitude":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- scripting and inspection --------------------------------------------------------

    def script(
        self, path: str, status: int, body: Any = None, times: int = 1, drop: bool = False
    ) -> None:
        """The next `times` requests to `path` answer `status` (and `body`), ingesting nothing;
        `drop` closes the connection without an answer."""
        with self._lock:
            self._faults.append(_Fault(path, status, body, times, drop))

    def throttle(
        self,
        user_id: str | None = None,
        device_id: str | None = None,
        times: int = 1,
        quota: bool = False,
    ) -> None:
        """The next `times` event requests holding this user's (device's) events answer 429,
        listing them as throttled (or, with `quota`, over the daily quota); nothing ingested.
        With neither id, a storm: the next `times` event requests all answer 429."""
        with self._lock:
            self._throttles.append(_Throttle(user_id, device_id, times, quota))

    def reset(self) -> None:
        with getattr(self, "_lock", threading.Lock()):
            self._faults: list[_Fault] = []
            self._throttles: list[_Throttle] = []
            self._received: list[dict[str, Any]] = []
            self._events: dict[str, dict[str, Any]] = {}
            self._events_without_id: list[dict[str, Any]] = []
            self._identifies: list[dict[str, Any]] = []
            self._group_identifies: list[dict[str, Any]] = []

    def received(self, path: str | None = None) -> list[dict[str, Any]]:
        """Every request as it arrived: {method, path, headers, body (text)}."""
        with self._lock:
            return [r for r in self._received if path is None or r["path"] == path]

    def events(self) -> list[dict[str, Any]]:
        """Ingested events, once per device and insert_id (Amplitude's 7-day dedupe)."""
        with self._lock:
            return list(self._events.values()) + list(self._events_without_id)

    def identifies(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._identifies)

    def group_identifies(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._group_identifies)

    # -- the HTTP side ----------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply:
        split = urlsplit(target)
        if split.path.startswith("/_fake/"):
            return self._control(method, split.path.removeprefix("/_fake/"), raw, split.query)
        with self._lock:
            self._received.append(
                {"method": method, "path": split.path, "headers": headers, "body": raw.decode()}
            )
            fault = self._take_fault(split.path)
        if fault is not None:
            return _scripted(fault)
        if method != "POST":
            return Reply(405, '{"code":405,"error":"Method not allowed"}')
        if split.path in EVENT_PATHS:
            return self._events_request(split.path, headers, raw)
        if split.path == "/identify":
            return self._identify_request(raw, groups=False)
        if split.path == "/groupidentify":
            return self._identify_request(raw, groups=True)
        return Reply(404, '{"code":404,"error":"Not found"}')

    def _take_fault(self, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.path == path:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _events_request(self, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        body, problem = rules.parse_json_body(raw, headers.get("content-type", ""))
        if problem is None and body is not None:
            problem = rules.check_api_key(body.get("api_key"), self.api_keys)
        events = body.get("events") if body else None
        if problem is None and not isinstance(events, list):
            problem = rules.missing("events")
        if problem is None:
            problem = rules.check_size(path, raw, events)  # type: ignore[arg-type]
        if problem is None:
            problem = rules.check_events(events, rules.min_id_length(body))  # type: ignore[arg-type]
        if problem is None:
            problem = self._throttled(events)  # type: ignore[arg-type]
        if problem is not None:
            return _json_reply(*problem)
        with self._lock:
            for event in events:  # type: ignore[union-attr]
                if event.get("insert_id"):
                    # Amplitude dedupes an insert_id per device (when the event has one).
                    key = f"{event.get('device_id') or ''}\x00{event['insert_id']}"
                    self._events.setdefault(key, event)
                else:
                    self._events_without_id.append(event)
        return _json_reply(
            200,
            {
                "code": 200,
                "events_ingested": len(events),  # type: ignore[arg-type]
                "payload_size_bytes": len(raw),
                "server_upload_time": int(time.time() * 1000),
            },
        )

    def _throttled(self, events: list[dict[str, Any]]) -> rules.Answer | None:
        with self._lock:
            for throttle in self._throttles:
                who = (throttle.user_id, throttle.device_id)
                hit = [i for i, e in enumerate(events) if rules.throttles(*who, e)]
                if hit:
                    throttle.times -= 1
                    if throttle.times <= 0:
                        self._throttles.remove(throttle)
                    return 429, rules.throttle_body(*who, throttle.quota, events, hit)
        return None

    def _identify_request(self, raw: bytes, groups: bool) -> Reply:
        form, items, problem = rules.parse_form_body(raw)
        if problem is None:
            problem = rules.check_api_key(form.get("api_key"), self.api_keys)
        if problem is None:
            problem = (
                rules.check_group_identifications(items)  # type: ignore[arg-type]
                if groups
                else rules.check_identifications(items, rules.DEFAULT_MIN_ID_LENGTH)  # type: ignore[arg-type]
            )
        if problem is not None:
            return _json_reply(*problem)
        with self._lock:
            (self._group_identifies if groups else self._identifies).extend(items or [])
        return Reply(200, "success", content_type="text/plain")

    def _control(self, method: str, name: str, raw: bytes, query: str) -> Reply:
        args = json.loads(raw or b"{}") if method == "POST" else {}
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        actions: dict[str, Any] = {
            "received": lambda: self.received(params.get("path")),
            "events": self.events,
            "identifies": self.identifies,
            "group_identifies": self.group_identifies,
            "script": lambda: self.script(**args),
            "throttle": lambda: self.throttle(**args),
            "reset": self.reset,
        }
        if name not in actions:
            return Reply(404, '{"error":"no such control"}')
        return Reply(200, json.dumps(actions[name]()))


def _scripted(fault: _Fault) -> Reply:
    if fault.drop:
        return Reply(drop=True)
    body = fault.body if fault.body is not None else {"code": fault.status, "error": "scripted"}
    text = body if isinstance(body, str) else json.dumps(body)
    return Reply(fault.status, text)


def _json_reply(status: int, body: dict[str, Any]) -> Reply:
    return Reply(status, json.dumps(body))


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake Amplitude for Signal's tests")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", action="append", dest="api_keys")
    args = parser.parse_args()
    fake = FakeAmplitude(args.api_keys or (DEFAULT_API_KEY,), port=args.port).start()
    print(json.dumps({"url": fake.url}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
