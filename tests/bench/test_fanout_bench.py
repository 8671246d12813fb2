"""What fan-out costs: end to end with one integration installed, then with three.

The same N events (SIGNAL_BENCH_FANOUT_EVENTS) go through the collection API until every
delivery is delivered: first to one Mixpanel integration, then to three (two Mixpanel
projects and Amplitude, each at a fake answering instantly). Prints events/s for each and
"three cost X× one" (time for three / time for one, measured in the same run; target
≤ 1.5×), with where the workers' time went and the same ratio in CPU seconds of this run's
processes (which a neighbour's load on a shared machine does not change). Asserts only
correctness: every delivery delivered, and each fake project got each event exactly once.
"""

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Avg, Count
from django.utils import timezone

from delivery.models import Attempt, Delivery, Event
from integrations.models import Integration, Source
from tests.bench import cpu
from tests.bench.test_pipeline_bench import empty_event_table, post_batches
from tests.bench.worker_log import log_size, worker_time
from tests.support.fake_mixpanel_remote import fake_mixpanel_process
from tests.support.fake_mixpanel_rules import Project
from tests.support.fanout import (
    MIXPANEL_PROJECTS,
    SECOND_PROJECT,
    delivered_count,
    insert_id_counts,
    install_mixpanel,
)
from tests.support.services import require_redis
from tests.support.stack import Stack, flush_redis, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.timeout(600),
]
EVENTS = int(os.environ.get("SIGNAL_BENCH_FANOUT_EVENTS", "10000"))
WARMUP_EVENTS = 1000
BENCH_WORKERS = int(os.environ.get("SIGNAL_BENCH_WORKERS", "2"))
ROUNDS = int(os.environ.get("SIGNAL_BENCH_FANOUT_ROUNDS", "2"))
TARGET_RATIO = 1.5
THIRD = os.environ.get("SIGNAL_BENCH_FANOUT_THIRD", "amplitude")
VISITOR = "visitor-{:04}"  # Amplitude refuses ids shorter than 5 characters
# Stands in for Amplitude where it is not in the catalog: a third Mixpanel project.
THIRD_PROJECT = Project(token="0123abcd4567ef89", api_secret="secret-three", project_id="24680")


def settled(integration_ids: list[int]) -> bool:
    """Whether every event has its deliveries and none of them is still pending.

    Two index lookups, so polling ten times a second costs the pipeline it measures almost
    nothing (counting the delivery table each time grew with it and slowed the bigger phase);
    what became of the deliveries is checked once, at the end (`assert_all_delivered`)."""
    if Event.objects.filter(fanned_out_at__isnull=True).exists():
        return False
    return not Delivery.objects.filter(
        integration_id__in=integration_ids, status__in=Delivery.PENDING
    ).exists()


def assert_all_delivered(expected: int) -> None:
    ended = Delivery.objects.exclude(status__in=(Delivery.DELIVERED, *Delivery.PENDING))
    assert not ended.exists(), Counter(ended.values_list("status", "error")[:5])
    assert delivered_count() == expected


class FannedOut:
    """When the fan-out caught up: the first look after the posting that finds no event
    waiting for its deliveries. Close to the phase's end, the fan-out was its critical path."""

    def __init__(self, started: float) -> None:
        self.started, self.seconds = started, 0.0

    def check(self) -> bool:
        if not self.seconds and not Event.objects.filter(fanned_out_at__isnull=True).exists():
            self.seconds = time.monotonic() - self.started
        return True


@dataclass
class Phase:
    label: str
    deliveries: int
    seconds: float
    accepted: float
    fanned_out: float  # when the last event had its deliveries
    cpu: str
    workers: str
    requests: str
    own_cpu: float  # CPU seconds of this run's processes

    def line(self) -> str:
        return (
            f"{self.label:<22}{EVENTS / self.seconds:9.0f} events/s  "
            f"({EVENTS} events, {self.deliveries} deliveries in {self.seconds:.1f} s; "
            f"accepted in {self.accepted:.1f} s, all fanned out in {self.fanned_out:.1f} s)"
        )


@dataclass
class Target:
    """One installed integration and how to check what its fake received."""

    integration: Integration
    received_once: Callable[[int], bool]  # every one of N events arrived exactly once


def mixpanel_target(fake, name: str, project: Project) -> Target:
    integration = install_mixpanel(name, project)

    def once(n: int) -> bool:
        counts = insert_id_counts(fake, project.token)
        return len(counts) == n and set(counts.values()) == {1}

    return Target(integration, once)


def amplitude_available() -> bool:
    """Amplitude is the third integration, unless SIGNAL_BENCH_FANOUT_THIRD=mixpanel asks for
    a third Mixpanel project (to tell a destination's own cost from the pipeline's)."""
    from integrations.catalog import get_destination

    return THIRD == "amplitude" and get_destination("amplitude") is not None


@contextmanager
def fakes() -> Iterator[dict]:
    """The fake Mixpanel (three projects) and, when it exists, the fake Amplitude."""
    with ExitStack() as stack:
        found = {
            "mixpanel": stack.enter_context(
                fake_mixpanel_process(projects=[*MIXPANEL_PROJECTS, THIRD_PROJECT])
            )
        }
        if amplitude_available():
            from tests.support.fake_amplitude_fixtures import fake_amplitude_process

            found["amplitude"] = stack.enter_context(fake_amplitude_process())
        yield found


@dataclass
class Bench:
    stack: Stack
    source: Source
    url: str
    fakes: dict

    def phase(self, label: str, targets: list[Target]) -> Phase:
        """Post EVENTS events and wait until every target has delivered each of them."""
        empty_event_table()
        for fake in self.fakes.values():
            fake.reset()
        expected = EVENTS * len(targets)
        database = connection.settings_dict["NAME"]
        since_at, log = timezone.now(), self.stack.logs / "worker1.log"
        since = log_size(log)
        before, waited, started = cpu.snapshot(database), cpu.queued(database), time.monotonic()
        post_batches(self.url, self.source.write_key, EVENTS, VISITOR)
        accepted = time.monotonic() - started
        fanned_out = FannedOut(started)
        ids = [target.integration.id for target in targets]
        wait_until(lambda: fanned_out.check() and settled(ids), timeout=300, every=0.1)
        elapsed = time.monotonic() - started
        after = cpu.snapshot(database)
        assert_all_delivered(expected)
        usage = cpu.summary(before, after, elapsed)
        usage += "\n  " + cpu.queued_summary(waited, cpu.queued(database))
        time.sleep(0.5)  # let the worker log its last tasks
        for target in targets:
            assert delivered_count(target.integration) == EVENTS, target.integration.name
            assert target.received_once(EVENTS), f"{target.integration.name}: not each once"
        sent = Attempt.objects.filter(created_at__gte=since_at).aggregate(
            n=Count("id"), avg=Avg("item_count")
        )
        requests = f"destination requests: {sent['n']}, {sent['avg'] or 0:.0f} events each"
        workers = worker_time(log, since).line()
        own = cpu.own_seconds(before, after)
        return Phase(
            label, expected, elapsed, accepted, fanned_out.seconds, usage, workers, requests, own
        )


def amplitude_target(fake) -> Target:
    from integrations.catalog import get_destination
    from signal_admin.web.services import install
    from tests.support.fake_amplitude_fixtures import API_KEY

    config = {"api_key": API_KEY}
    integration = install(
        get_destination("amplitude"), name="Amplitude", variant="retail", config=config
    )

    def once(n: int) -> bool:
        arrived = Counter(
            event.get("insert_id")
            for request in fake.received("/2/httpapi")
            for event in json.loads(request["body"])["events"]
        )
        return len(arrived) == n and set(arrived.values()) == {1} and len(fake.events()) == n

    return Target(integration, once)


def others(fakes: dict) -> list[Target]:
    """The second and third integrations: another Mixpanel project, and Amplitude."""
    second = mixpanel_target(fakes["mixpanel"], "Mixpanel (app)", SECOND_PROJECT)
    if "amplitude" in fakes:
        return [second, amplitude_target(fakes["amplitude"])]
    return [second, mixpanel_target(fakes["mixpanel"], "Mixpanel (third)", THIRD_PROJECT)]


def report(lines: list[str], artifacts: Path) -> None:
    text = "\n".join(lines)
    (artifacts / "bench-fanout.txt").write_text(text + "\n")
    print("\n" + text)


def test_it_measures_fan_out_to_three_integrations_against_one(artifacts):
    redis_url = require_redis()
    flush_redis(redis_url)
    logs = artifacts / "bench-fanout"
    logs.mkdir(exist_ok=True)
    phases: list[tuple[Phase, Phase]] = []
    with fakes() as found:
        stack = Stack(logs, redis_url, found["mixpanel"].url, **fake_urls(found))
        source = Source.objects.create(name="fan-out bench")
        first = mixpanel_target(found["mixpanel"], "Mixpanel (shop)", MIXPANEL_PROJECTS[0])
        try:
            bench = Bench(stack, source, stack.start_web(), found)
            stack.start_worker("worker1", concurrency=BENCH_WORKERS, pool="prefork")
            stack.start_beat()
            stack.wait_for_log("worker1", "ready.")
            post_batches(bench.url, source.write_key, WARMUP_EVENTS, VISITOR)
            wait_until(lambda: settled([first.integration.id]), timeout=60)
            assert_all_delivered(WARMUP_EVENTS)
            time.sleep(1)  # the warm-up's last tasks log their end outside the phase
            # Alternated, so a neighbour's load on a shared machine hits both alike.
            for _ in range(ROUNDS):
                empty_event_table()
                Integration.objects.exclude(id=first.integration.id).delete()
                one = bench.phase("one integration", [first])
                phases.append((one, bench.phase("three integrations", [first, *others(found)])))
        finally:
            stack.stop()
            flush_redis(redis_url)
    report(lines_for(phases), artifacts)


def fake_urls(found: dict) -> dict[str, str]:
    """Settings pointing Signal at the fakes other than Mixpanel's."""
    if "amplitude" not in found:
        return {}
    url = found["amplitude"].url
    return {"AMPLITUDE_API_URL": url, "AMPLITUDE_EU_API_URL": url}


def lines_for(phases: list[tuple[Phase, Phase]]) -> list[str]:
    third = "Amplitude" if amplitude_available() else "a third Mixpanel project"
    lines = [
        f"# Signal fan-out benchmark ({os.cpu_count()} cores, {BENCH_WORKERS} worker "
        f"processes, {ROUNDS} rounds; three = two Mixpanel projects and {third})"
    ]
    for one, three in phases:
        for phase in (one, three):
            lines += [phase.line(), f"  {phase.cpu}", f"  {phase.workers}", f"  {phase.requests}"]
    ratios = ", ".join(f"{three.seconds / one.seconds:.2f}x" for one, three in phases)
    cpu_ratios = ", ".join(f"{three.own_cpu / one.own_cpu:.2f}x" for one, three in phases)
    best_one = min(one.seconds for one, _ in phases)
    best_three = min(three.seconds for _, three in phases)
    lines += [
        f"best of {ROUNDS}: one {EVENTS / best_one:.0f} events/s, three {EVENTS / best_three:.0f} "
        f"events/s",
        f"three cost {best_three / best_one:.2f}x one (best time for three / best time for one; "
        f"each round: {ratios}; target <= {TARGET_RATIO}x)",
        f"in CPU seconds of this run's processes, three cost {cpu_ratios} one "
        f"(each round; what a busy neighbour on the machine does not change)",
    ]
    return lines
