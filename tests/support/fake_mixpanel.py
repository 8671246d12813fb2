"""A fake Mixpanel ingestion API on loopback, for tests and benchmarks.

In process:   `with FakeMixpanel() as fake: ... fake.url ... fake.unique_events()`
Out of process: `python -m tests.support.fake_mixpanel --port N` prints its URL and serves
until SIGTERM; drive it with `RemoteFakeMixpanel(url)` (tests/support/fake_mixpanel_remote.py)
or directly over the control endpoints:
    GET  /_fake/<inspector>[?path=/track]  received, ingested, events, unique_events,
                                           profile_updates, group_updates, not_ingested,
                                           pending_faults, projects, identity_log
    GET  /_fake/identity_of?distinct_id=D[&token=T]   the ids merged with D
    GET  /_fake/merged?a=A&b=B[&token=T]              whether Mixpanel merged A and B
    POST /_fake/script    {"status": 429, "path": "/track", "times": 2, "delay": 0,
                           "drop": false, "process": false, "body": ...}
    POST /_fake/reset     forget requests, ingested items and pending faults
    POST /_fake/projects  [{"token": ..., "api_secret": ..., "project_id": ...,
                            "service_accounts": {"user": "secret"}, "id_merge": "original"}]

Identity merging follows each project's ID merge system (tests/support/fake_mixpanel_identity.py).
"""

import argparse
import contextlib
import json
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support import fake_mixpanel_rules as rules
from tests.support.fake_mixpanel_http import Reply, Server
from tests.support.fake_mixpanel_identity import NOT_MERGED_ON_TRACK, WEAK_AUTH, IdentityStore
from tests.support.fake_mixpanel_rules import PATHS, Project, Refusal

DEFAULT_PROJECT = Project(
    token="abc123def456789",
    api_secret="secret-xyz",
    project_id="12345",
    service_accounts={"sa-user": "sa-secret"},
)
INSPECTORS = (
    "received",
    "ingested",
    "events",
    "unique_events",
    "profile_updates",
    "group_updates",
    "not_ingested",
    "pending_faults",
    "projects",
    "identity_of",
    "merged",
    "identity_log",
)


@dataclass
class Fault:
    """One scripted answer. `process` ingests the request first, then answers as scripted
    (a lost response); `delay` alone answers normally, late."""

    path: str | None = None
    status: int | None = None
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    process: bool = False


@dataclass
class _State:
    received: list[dict[str, Any]] = field(default_factory=list)
    ingested: list[dict[str, Any]] = field(default_factory=list)
    not_ingested: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    identities: IdentityStore = field(default_factory=IdentityStore)


class FakeMixpanel:
    """Answers /track, /import, /engage and /groups as Mixpanel does; records everything."""

    def __init__(
        self,
        projects: list[Project] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = rules.now,
    ) -> None:
        self.projects = list(projects) if projects is not None else [DEFAULT_PROJECT]
        self.clock = clock
        self._address = (host, port)
        self._lock = threading.Lock()
        self._state = _State()
        self._stopping = threading.Event()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> "FakeMixpanel":
        self._server = Server(self._address, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> "FakeMixpanel":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # scripting

    def script(
        self,
        status: int | None = None,
        body: Any = None,
        *,
        path: str | None = None,
        times: int = 1,
        delay: float = 0.0,
        drop: bool = False,
        process: bool = False,
    ) -> None:
        """Queue `times` scripted answers for `path` (None: any Mixpanel path), in order."""
        fault = Fault(path, status, body, float(delay), bool(drop), bool(process))
        with self._lock:
            self._state.faults.extend(Fault(**vars(fault)) for _ in range(times))

    def set_projects(self, projects: list[Project]) -> None:
        with self._lock:
            self.projects = list(projects)

    def reset(self) -> None:
        with self._lock:
            self._state = _State()

    # inspection

    def received(self, path: str | None = None) -> list[dict[str, Any]]:
        """Every request: method, path, query, headers, body_bytes, items ([] when unreadable),
        response {status, body, dropped} and, when scripted, fault."""
        with self._lock:
            return [r for r in self._state.received if path in (None, r["path"])]

    def ingested(self, path: str | None = None) -> list[dict[str, Any]]:
        """Items Mixpanel would keep, as {"path", "token", "item"}, duplicates included."""
        with self._lock:
            return [r for r in self._state.ingested if path in (None, r["path"])]

    def not_ingested(self, path: str | None = None) -> list[dict[str, Any]]:
        """Items answered 200 but silently dropped, as {"path", "item", "reason"}."""
        with self._lock:
            return [r for r in self._state.not_ingested if path in (None, r["path"])]

    def events(self) -> list[dict[str, Any]]:
        """Ingested events from /track and /import, duplicates included."""
        return [r["item"] for r in self.ingested() if r["path"] in ("/track", "/import")]

    def unique_events(self) -> list[dict[str, Any]]:
        """Events as Mixpanel reports them: deduplicated on (event, distinct_id, time,
        $insert_id) per project."""
        records = [r for r in self.ingested() if r["path"] in ("/track", "/import")]
        unique: dict[tuple, dict[str, Any]] = {}
        for position, record in enumerate(records):
            key = (record["token"], *rules.dedupe_key(record["item"], position))
            unique.setdefault(key, record["item"])
        return list(unique.values())

    def profile_updates(self) -> list[dict[str, Any]]:
        return [r["item"] for r in self.ingested("/engage")]

    def group_updates(self) -> list[dict[str, Any]]:
        return [r["item"] for r in self.ingested("/groups")]

    def identity_of(self, distinct_id: str, token: str | None = None) -> list[str]:
        """Every id Mixpanel has merged with `distinct_id` (itself included), sorted."""
        with self._lock:
            return sorted(self._state.identities.cluster(token or self._token(), distinct_id))

    def merged(self, a: str, b: str, token: str | None = None) -> bool:
        """Whether Mixpanel would attribute `a`'s and `b`'s events to one user."""
        with self._lock:
            return self._state.identities.merged(token or self._token(), a, b)

    def identity_log(self) -> list[dict[str, Any]]:
        """Each identity event seen: {token, event, ids, merged, reason}."""
        with self._lock:
            return [dict(entry) for entry in self._state.identities.log]

    def _token(self) -> str:
        return self.projects[0].token

    def pending_faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [vars(f).copy() for f in self._state.faults]

    def projects_json(self) -> list[dict[str, Any]]:
        return [p.to_json() for p in self.projects]

    # serving

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply:
        split = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        if split.path.startswith("/_fake/"):
            return self._control(method, split.path[len("/_fake/") :], query, raw)
        if split.path not in PATHS:
            return _json_reply(404, rules.error_body(404, f"unknown path {split.path}"))
        if method != "POST":
            return _json_reply(405, rules.error_body(405, f"{method} is not allowed"))
        record = {"method": method, "path": split.path, "query": query, "headers": headers}
        record.update(body_bytes=len(raw), items=[])
        reply = self._answer_scripted(record, raw)
        status = None if reply.drop else reply.status
        record["response"] = {"status": status, "body": reply.body, "dropped": reply.drop}
        with self._lock:
            self._state.received.append(record)
        return reply

    def _answer_scripted(self, record: dict[str, Any], raw: bytes) -> Reply:
        fault = self._take_fault(record["path"])
        if fault and fault.delay:
            self._stopping.wait(fault.delay)
        if fault is None or not (fault.status or fault.drop):
            return self._answer(record, raw)
        if fault.process:
            self._answer(record, raw)
        else:
            self._parse_quietly(record, raw)
        record["fault"] = vars(fault).copy()
        if fault.drop:
            return Reply(status=0, drop=True)
        return _scripted_reply(fault)

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._state.faults):
                if fault.path in (None, path):
                    return self._state.faults.pop(index)
        return None

    def _parse_quietly(self, record: dict[str, Any], raw: bytes) -> None:
        with contextlib.suppress(Refusal):
            self._parse(record, raw)

    def _parse(self, record: dict[str, Any], raw: bytes) -> tuple[list[Any], dict[str, str]]:
        headers, path = record["headers"], record["path"]
        encoding = headers.get("content-encoding", "").strip().lower()
        body = rules.decode_body(path, raw, encoding)
        items, form = rules.parse_items(path, body, headers.get("content-type", ""))
        record["items"] = items
        return items, {**record["query"], **form}

    def _answer(self, record: dict[str, Any], raw: bytes) -> Reply:
        path = record["path"]
        try:
            items, params = self._parse(record, raw)
            if path == "/import":
                return self._import(items, params, record["headers"])
            return self._verbose_path(path, items, params)
        except rules.InvalidPayload as refusal:
            if path != "/import":
                return _status_reply(record["query"].get("verbose") == "1", str(refusal))
            return _json_reply(refusal.status, refusal.body)
        except Refusal as refusal:
            return _json_reply(refusal.status, refusal.body)

    def _verbose_path(self, path: str, items: list[Any], params: dict[str, str]) -> Reply:
        check = rules.event_problem if path == "/track" else rules.profile_problem
        args = () if path == "/track" else (path,)
        problems = [(i, p) for i, item in enumerate(items) if (p := check(item, *args))]
        if problems:
            index, problem = problems[0]
            error = f"{len(problems)} of {len(items)} records invalid; record {index}: {problem}"
            return _status_reply(params.get("verbose") == "1", error)
        for item in items:
            self._keep(path, item)
        return _status_reply(params.get("verbose") == "1", None)

    def _keep(self, path: str, item: dict[str, Any]) -> None:
        token = item["properties"]["token"] if path == "/track" else item["$token"]
        now = self.clock()
        project = next((p for p in self.projects if p.token == token), None)
        if project is None:
            reason = "unknown project token"
        elif path == "/track" and item["properties"].get("$ignore"):
            reason = "$ignore"
        elif path == "/track" and rules.too_old_for_track(item, now):
            reason = "older than 5 days: /track drops it, /import would keep it"
        elif path == "/track" and item["event"] == "$merge":
            reason = NOT_MERGED_ON_TRACK
        else:
            self._record_ingested(path, token, item)
            if path == "/track":
                self._observe_identity(project, item, strong_auth=False)
            return
        self._record_dropped(path, item, reason)

    def _observe_identity(self, project: Project, item: dict[str, Any], strong_auth: bool) -> None:
        with self._lock:
            self._state.identities.observe(project.id_merge, project.token, item, strong_auth)

    def _record_ingested(self, path: str, token: str, item: dict[str, Any]) -> None:
        with self._lock:
            self._state.ingested.append({"path": path, "token": token, "item": item})

    def _record_dropped(self, path: str, item: Any, reason: str) -> None:
        with self._lock:
            self._state.not_ingested.append({"path": path, "item": item, "reason": reason})

    def _import(self, items: list[Any], params: dict[str, str], headers: dict[str, str]) -> Reply:
        auth = rules.basic_auth(headers.get("authorization", ""))
        project = rules.import_project(self.projects, auth, params.get("project_id", ""))
        strong = rules.strong_import_auth(project, auth)
        strict, now, failed, imported = params.get("strict") == "1", self.clock(), [], 0
        for index, item in enumerate(items):
            problems = rules.import_failures(item, now)
            weak_merge = item.get("event") == "$merge" and not strong
            if not problems and not item["properties"].get("$ignore") and not weak_merge:
                self._record_ingested("/import", project.token, item)
                self._observe_identity(project, item, strong_auth=strong)
                imported += 1
            elif problems and strict:
                failed.append(_failed_record(index, item, *problems[0]))
            elif weak_merge and not problems:
                self._record_dropped("/import", item, WEAK_AUTH)
            else:
                self._record_dropped("/import", item, problems[0][1] if problems else "$ignore")
        if failed:
            error = "some data points in the request failed validation"
            body = rules.error_body(400, error, num_records_imported=imported)
            return _json_reply(400, {**body, "failed_records": failed})
        return _json_reply(200, {"code": 200, "num_records_imported": imported, "status": "OK"})

    def _control(self, method: str, name: str, query: dict[str, str], raw: bytes) -> Reply:
        try:
            return _json_reply(200, self._control_result(method, name, query, raw))
        except (LookupError, TypeError, ValueError) as exc:
            return _json_reply(400, {"error": f"{type(exc).__name__}: {exc}"})

    def _control_result(self, method: str, name: str, query: dict[str, str], raw: bytes) -> Any:
        if method == "GET" and name in INSPECTORS:
            inspect = getattr(self, "projects_json" if name == "projects" else name)
            return inspect(**query)
        body = json.loads(raw or b"null")
        if method == "POST" and name == "script":
            return self.script(**body)
        if method == "POST" and name == "reset":
            return self.reset()
        if method == "POST" and name == "projects":
            return self.set_projects([Project(**p) for p in body])
        raise LookupError(f"no control endpoint {method} /_fake/{name}")


def _failed_record(index: int, item: Any, name: str, message: str) -> dict[str, Any]:
    props = item.get("properties") if isinstance(item, dict) else None
    insert_id = props.get("$insert_id") if isinstance(props, dict) else None
    return {"index": index, "$insert_id": insert_id, "field": name, "message": message}


def _json_reply(status: int, body: Any) -> Reply:
    return Reply(status, json.dumps(body, separators=(",", ":")))


def _status_reply(verbose: bool, error: str | None) -> Reply:
    if verbose:
        return _json_reply(200, {"status": 0 if error else 1, "error": error})
    return Reply(200, "0" if error else "1", content_type="text/plain")


def _scripted_reply(fault: Fault) -> Reply:
    body = fault.body
    if body is None:
        body = rules.error_body(fault.status, f"scripted {fault.status}")
    if isinstance(body, str):
        return Reply(fault.status, body)
    return _json_reply(fault.status, body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Mixpanel ingestion API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--projects", help="JSON list of projects (default: the test project)")
    args = parser.parse_args(argv)
    projects = [Project(**p) for p in json.loads(args.projects)] if args.projects else None
    fake = FakeMixpanel(projects, args.host, args.port).start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print(fake.url, flush=True)
    while not done.wait(0.5):
        pass
    fake.stop()


if __name__ == "__main__":
    main()
