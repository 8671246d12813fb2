"""`make chaos`: load through the collection API while the stack is broken at random.

    python -m tests.chaos.run [--duration 300] [--seed N] [--json out.json]

Signal runs distributed on a private PostgreSQL cluster and redis-server (never the machine's
shared ones): two daphne web servers, two Celery workers and beat under a supervisor that
restarts whatever exits, delivering to a fake Mixpanel. Clients send batches with unique
messageIds, retrying until a 2xx as Segment's libraries do. Meanwhile the run SIGKILLs
workers and web servers, restarts Redis empty, stops and starts PostgreSQL, and makes
Mixpanel answer 500, 429, hang past the timeout and drop connections (tests/chaos/faults.py).
Then it waits for the pipeline to drain and prints sent, acknowledged, delivered, duplicates,
faults and the longest recovery (tests/chaos/report.py). Exit status 1 when a check fails.
"""

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from tests.chaos import report
from tests.chaos.fake import ChaosMixpanel
from tests.chaos.faults import Injector, Timing
from tests.chaos.load import Client, Load
from tests.chaos.services import PrivatePostgres, PrivateRedis, missing_binaries, signal_env
from tests.chaos.supervisor import Supervisor, beat_args, worker_args
from tests.support.processes import ROOT, daphne_args, free_port

WEB_SERVERS = 2
WORKERS = 2
WORKER_THREADS = 4
WARMUP_SECONDS = 3.0
# Faults stop this long before the load does, so the last ones recover under load.
COOLDOWN_SECONDS = 10.0
CLIENT_FINISH_SECONDS = 60.0
DRAIN_SECONDS = 120.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300.0, help="load phase, seconds")
    parser.add_argument("--seed", type=int, default=None, help="fault schedule (random)")
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--rate", type=float, default=100.0, help="events per second, roughly")
    parser.add_argument("--short", action="store_true", help="short gaps and windows (CI)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--logs", type=Path, help="process logs (test-artifacts/chaos/...)")
    return parser.parse_args(argv)


def configure(postgres: PrivatePostgres, redis: PrivateRedis, mixpanel_url: str) -> dict:
    """Environment of Signal's processes (and of Django in this one): the shipped timings."""
    for name in [n for n in os.environ if n.startswith("SIGNAL_")]:
        del os.environ[name]  # a caller's test settings must not leak into the run
    os.environ.update(signal_env(postgres.url, redis.url, mixpanel_url))
    return dict(os.environ)


def prepare_database() -> tuple[str, int]:
    """Migrate, create a server source and a Mixpanel integration; (write key, its id)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from integrations.catalog import get_destination
    from integrations.models import Source
    from signal_admin.web.services import install
    from tests.support.fake_mixpanel_fixtures import API_SECRET, TOKEN

    source = Source.objects.create(name="chaos", kind=Source.SERVER)
    config = {"project_token": TOKEN, "api_secret": API_SECRET}
    destination = get_destination("mixpanel")
    integration = install(destination, name="Mixpanel", variant="default", config=config)
    return source.write_key, integration.id


def database_state() -> tuple[dict[str, int], int]:
    """(deliveries by status, events not fanned out yet), on a fresh connection."""
    from django.db import connection
    from django.db.models import Count

    from delivery.models import Delivery, Event

    connection.close()
    rows = Delivery.objects.values("status").annotate(n=Count("id"))
    statuses = {row["status"]: row["n"] for row in rows}
    return statuses, Event.objects.filter(fanned_out_at__isnull=True).count()


def start_stack(logs: Path, env: dict) -> tuple[Supervisor, list[str]]:
    supervisor = Supervisor(logs, env)
    urls = []
    for number in range(1, WEB_SERVERS + 1):
        port = free_port()
        supervisor.add(f"daphne-{number}", daphne_args(port), port=port)
        urls.append(f"http://127.0.0.1:{port}")
    for number in range(1, WORKERS + 1):
        name = f"worker-{number}"
        supervisor.add(name, worker_args(name, WORKER_THREADS), ready_text="ready.")
    supervisor.add("beat", beat_args(logs / "beat-schedule"), ready_text="beat: Starting")
    supervisor.start()
    supervisor.wait_ready(timeout=120)
    return supervisor, urls


def drive(
    args: argparse.Namespace, urls: list[str], write_key: str, injector: Injector, load: Load
) -> float:
    """The load phase with faults in it; returns its start (time.monotonic())."""
    rng = random.Random(injector.rng.random())
    stop, give_up = threading.Event(), threading.Event()
    interval = args.clients * 10.5 / args.rate  # batches of 1..20 events, 10.5 on average
    clients = [
        Client(n, urls, write_key, load, random.Random(rng.random()), interval, 20, stop, give_up)
        for n in range(args.clients)
    ]
    started = time.monotonic()
    for client in clients:
        client.start()
    time.sleep(WARMUP_SECONDS)
    lanes = injector.run(until=started + args.duration - COOLDOWN_SECONDS)
    for lane in lanes:
        lane.join(timeout=max(0.0, started + args.duration + 120 - time.monotonic()))
    time.sleep(max(0.0, started + args.duration - time.monotonic()))
    stop.set()
    finish_by = time.monotonic() + CLIENT_FINISH_SECONDS
    for client in clients:
        client.join(timeout=max(0.1, finish_by - time.monotonic()))
    give_up.set()
    for client in clients:
        client.join(timeout=15)
    return started


def drain(load: Load, fake: ChaosMixpanel) -> tuple[bool, float]:
    """Wait until every acknowledged event is at Mixpanel and nothing is pending."""
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_SECONDS:
        delivered = set(report.ingested_ids(fake.events()))
        if set(load.acked) <= delivered:
            try:
                statuses, unfanned = database_state()
            except Exception:  # PostgreSQL restarting: look again
                statuses, unfanned = {"?": 1}, 1
            if not unfanned and not any(statuses.get(s) for s in ("queued", "retrying", "?")):
                return True, time.monotonic() - started
        time.sleep(0.5)
    return False, time.monotonic() - started


def figures_of(
    args: argparse.Namespace,
    seed: int,
    load: Load,
    fake: ChaosMixpanel,
    injector: Injector,
    supervisor: Supervisor,
    started: float,
) -> report.Figures:
    figures = report.Figures(seed=seed, duration=args.duration, started=started)
    events = fake.events()
    report.count_deliveries(figures, load, events)
    faults = sorted(injector.faults, key=lambda f: f.started)
    cuts = report.cut_offs(faults, supervisor.exits)
    report.explain_duplicates(figures, fake.ingested_at, cuts)
    report.count_requests(figures, load, faults)
    figures.faults = {}
    for fault in faults:
        figures.faults[fault.kind] = figures.faults.get(fault.kind, 0) + 1
    insert_to_chaos = {
        str(e["properties"]["$insert_id"]): str(e["properties"].get("chaos_id")) for e in events
    }
    delivered_at = report.delivered_times(fake.ingested_at, insert_to_chaos)
    recovered = report.recoveries(load, delivered_at, faults)
    for fault, seconds in zip(faults, recovered, strict=True):
        figures.fault_log.append(
            {
                "kind": fault.kind,
                "at": fault.started - started,
                "ended": fault.ended - started,
                "detail": fault.detail,
                "recovery": seconds,
            }
        )
        if seconds >= figures.longest_recovery:
            figures.longest_recovery, figures.longest_recovery_fault = seconds, fault.kind
        longest = figures.recovery_by_kind.get(fault.kind, 0.0)
        figures.recovery_by_kind[fault.kind] = round(max(longest, seconds), 1)
    figures.unexpected_exits = [
        f"{e.name} (code {e.returncode}) at t={e.at - started:.1f} s"
        for e in supervisor.unexpected_exits()
    ]
    figures.injector_errors = list(injector.errors)
    return figures


def write_timeline(path: Path, load: Load, started: float) -> None:
    """Every request of the run, for reading a failure afterwards."""
    rows = [
        [round(r.started - started, 3), round(r.ended - started, 3), r.server, r.events, r.outcome]
        for r in load.requests
    ]
    path.write_text(
        json.dumps({"columns": ["start", "end", "server", "events", "outcome"], "requests": rows})
    )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if reason := missing_binaries():
        print(f"chaos: {reason}", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    logs = args.logs or ROOT / "test-artifacts" / "chaos" / stamp
    logs.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="signal-chaos-"))
    timing = Timing() if not args.short else Timing(gap=(2.0, 4.0), window=(5.0, 7.0))
    print(f"chaos: seed {seed}, {args.duration:.0f} s of load, logs in {logs}", flush=True)
    began = time.monotonic()
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, root, ignore_errors=True)
        postgres = PrivatePostgres(root, logs / "postgres.log")
        cleanup.callback(postgres.destroy)
        postgres.init()
        redis = PrivateRedis(logs / "redis.log")
        cleanup.callback(redis.destroy)
        redis.start()
        fake = cleanup.enter_context(ChaosMixpanel())
        env = configure(postgres, redis, fake.url)
        write_key, _ = prepare_database()
        supervisor, urls = start_stack(logs, env)
        cleanup.callback(supervisor.stop)
        http_timeout = float(env.get("SIGNAL_HTTP_TIMEOUT_SECONDS", 10.0))
        rng = random.Random(seed)
        injector = Injector(rng, supervisor, postgres, redis, fake, http_timeout, timing)
        load = Load()
        print(f"chaos: stack up in {time.monotonic() - began:.0f} s; load and faults", flush=True)
        started = drive(args, urls, write_key, injector, load)
        drained, drain_seconds = drain(load, fake)
        figures = figures_of(args, seed, load, fake, injector, supervisor, started)
        figures.drained, figures.drain_seconds = drained, drain_seconds
        figures.deliveries, _ = database_state()
        report.check(figures, every_kind=True)
        print(report.table(figures))
        print("faults:")
        print(report.fault_lines(figures))
        if args.json:
            args.json.write_text(json.dumps(figures.to_json(), indent=2))
        write_timeline(logs / "requests.json", load, started)
    return 1 if figures.violations else 0


if __name__ == "__main__":
    sys.exit(main())
