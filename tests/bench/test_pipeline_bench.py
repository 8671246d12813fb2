"""Collection and delivery throughput on the real processes. Prints figures; asserts none.

Phases, in one run:
1. a bare ASGI app on daphne, then Signal's `/v1/track`, each loaded by wrk with 32
   connections (requests/s, p50, p99; Signal's rate as a ratio of the bare app's);
2. `/v1/batch` with 100 events per request (events/s);
3. end to end: events posted to the collection API until every one is delivered to a fake
   Mixpanel answering instantly (events/s, and the average events per Mixpanel request).
"""

import base64
import os
import re
import shutil
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.db.models import Avg, Count

from delivery.models import Attempt, Delivery, Event
from tests.bench import cpu
from tests.delivery.helpers import mixpanel
from tests.support.fake_mixpanel_remote import fake_mixpanel_process
from tests.support.processes import daphne_args, free_port, running
from tests.support.services import require_redis
from tests.support.stack import Stack, flush_redis, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.timeout(1200),
]
WRK = Path(__file__).parent / "wrk"
SECONDS = int(os.environ.get("SIGNAL_BENCH_SECONDS", "8"))
BENCH_WORKERS = int(os.environ.get("SIGNAL_BENCH_WORKERS", "2"))
E2E_EVENTS = int(os.environ.get("SIGNAL_BENCH_EVENTS", "30000"))


def run_wrk(url: str, script: str | None, env: dict[str, str]) -> dict[str, float]:
    args = ["wrk", "-t", "2", "-c", "32", "-d", f"{SECONDS}s", "--latency", url]
    if script:
        args[1:1] = ["-s", str(WRK / script)]
    out = subprocess.run(
        args, capture_output=True, text=True, env={**os.environ, **env}, check=True
    ).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "non2xx": float(m.group(1)) if (m := re.search(r"Non-2xx.*:\s+(\d+)", out)) else 0.0,
    }


def _ms(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group()), re.sub(r"[\d.]+", "", text)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def post_batches(base_url: str, write_key: str, total: int, visitor: str = "a-{}") -> None:
    """`total` Product Viewed events, 100 a request, from 500 visitors (`visitor` formats
    their anonymous ids)."""
    auth = (write_key, "")
    batches = [
        [
            {
                "type": "track",
                "event": "Product Viewed",
                "anonymousId": visitor.format(i % 500),
                "messageId": uuid.uuid4().hex,
                "properties": {"product_id": "p-1", "price": 10},
                "context": {
                    "ip": "203.0.113.7",
                    "consent": {"categoryPreferences": {"analytics": True}},
                },
            }
            for i in range(100)
        ]
        for _ in range(total // 100)
    ]

    def send(chunk: list[list[dict]]) -> None:
        with httpx.Client(base_url=base_url, auth=auth, timeout=60) as client:
            for batch in chunk:
                assert client.post("/v1/batch", json={"batch": batch}).status_code == 200

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, [batches[i::8] for i in range(8)]))


def wait_for_stored_events_to_settle() -> None:
    """wrk stops with requests in flight; daphne still stores them after it has gone."""
    counts = [Event.objects.count()]

    def settled() -> bool:
        counts.append(Event.objects.count())
        return counts[-1] == counts[-2]

    wait_until(settled, timeout=30, every=0.5)


def empty_event_table() -> None:
    """Events, their deliveries and attempts gone (the hot tables have no foreign-key
    constraints for a TRUNCATE to follow, so each is named)."""
    if connection.vendor == "postgresql":
        tables = (Event, Delivery, Attempt, Attempt.deliveries.through)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(t._meta.db_table for t in tables)}")
    else:
        Event.objects.all().delete()


def report(lines: list[str], artifacts: Path) -> None:
    text = "\n".join(lines)
    (artifacts / "bench-pipeline.txt").write_text(text + "\n")
    print("\n" + text)


def test_collection_and_delivery_throughput(artifacts):
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install wrk)")
    redis_url = require_redis()
    flush_redis(redis_url)
    logs = artifacts / "bench"
    logs.mkdir(exist_ok=True)
    lines = [
        f"# Signal pipeline benchmark ({os.cpu_count()} cores, "
        f"{'PostgreSQL' if 'postgres' in os.environ.get('DATABASE_URL', '') else 'SQLite'})"
    ]
    with fake_mixpanel_process() as fake:
        integration = mixpanel("retail")
        from integrations.models import Source

        source = Source.objects.create(name="bench")
        auth = base64.b64encode(f"{source.write_key}:".encode()).decode()
        env = {"BENCH_AUTH": auth, "BENCH_RUN": uuid.uuid4().hex[:8]}
        stack = Stack(logs, redis_url, fake.url)
        port = free_port()
        bare_app = [*daphne_args(port)[:-1], "tests.bench.bare_app:application"]
        with running(bare_app, dict(os.environ), logs / "bare.log", port=port):
            before = cpu.snapshot()
            base = run_wrk(f"http://127.0.0.1:{port}/v1/track", "track.lua", env)
            base_cpu = cpu.summary(before, cpu.snapshot(), SECONDS)
        try:
            signal_url = stack.start_web()
            before = cpu.snapshot()
            track = run_wrk(signal_url, "track.lua", env)
            track_cpu = cpu.summary(before, cpu.snapshot(), SECONDS)
            before = cpu.snapshot()
            batch = run_wrk(signal_url, "batch.lua", env)
            batch_cpu = cpu.summary(before, cpu.snapshot(), SECONDS)
            stored = Event.objects.count()
            lines += [
                f"bare ASGI app        {base['rps']:9.0f} req/s  p50 {base['p50']:.1f} ms  "
                f"p99 {base['p99']:.1f} ms",
                f"  {base_cpu}",
                f"/v1/track (durable)  {track['rps']:9.0f} req/s  p50 {track['p50']:.1f} ms  "
                f"p99 {track['p99']:.1f} ms  = {track['rps'] / base['rps']:.0%} of bare "
                f"(target >= 50%)",
                f"  {track_cpu}",
                f"/v1/batch x100       {batch['rps'] * 100:9.0f} events/s (target >= 25,000)",
                f"  {batch_cpu}",
                f"events stored        {stored}  non-2xx answers "
                f"{track['non2xx'] + batch['non2xx']:.0f}",
            ]
            # Phase 3 measures fresh events only. The earlier phases' events go with a
            # TRUNCATE: marking them fanned out left hundreds of thousands of dead rows
            # for autovacuum to clean up during the measurement.
            wait_for_stored_events_to_settle()
            empty_event_table()
            # One prefork worker with a process per core: CPU-bound fan-out in threads of
            # one process mostly passes the GIL around.
            stack.start_worker("worker1", concurrency=BENCH_WORKERS, pool="prefork")
            stack.start_beat()
            stack.wait_for_log("worker1", "ready.")
            before, started = cpu.snapshot(), time.monotonic()
            post_batches(signal_url, source.write_key, E2E_EVENTS)
            accepted = time.monotonic() - started
            wait_until(
                lambda: Delivery.objects.filter(status="delivered").count() >= E2E_EVENTS,
                timeout=600,
                every=0.1,
            )
            elapsed = time.monotonic() - started
            e2e_cpu = cpu.summary(before, cpu.snapshot(), elapsed)
            sent = Attempt.objects.filter(integration=integration).aggregate(
                avg=Avg("item_count"), n=Count("id")
            )
            lines += [
                f"end to end           {E2E_EVENTS / elapsed:9.0f} events/s "
                f"({E2E_EVENTS} events in {elapsed:.1f} s; accepted in {accepted:.1f} s) "
                f"(target >= 5,000)",
                f"  {e2e_cpu}",
                f"Mixpanel requests    {sent['n']}  average {sent['avg'] or 0:.0f} events each "
                f"(target >= 1,000)",
                f"unique at fake       {len(fake.unique_events())}",
            ]
        finally:
            stack.stop()
            flush_redis(redis_url)
    report(lines, artifacts)
