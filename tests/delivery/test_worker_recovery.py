"""A worker killed mid-send is replaced within seconds; a live one is never doubled."""

import time

import pytest

from tests.delivery.helpers import collector, mixpanel, send_batch, settled, track
from tests.support.services import require_redis
from tests.support.stack import Stack, flush_redis, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.django_db(transaction=True)]
# The shipped timings, not the stack fixture's fast ones: this measures what operators get.
SHIPPED = {
    "SIGNAL_SEND_LEASE_SECONDS": "15",
    "SIGNAL_HTTP_TIMEOUT_SECONDS": "10",
    "SIGNAL_SWEEP_INTERVAL_SECONDS": "5",
}


@pytest.fixture
def make_stack(artifacts, request, fake_mixpanel):
    """A stack (daphne, beat, no worker yet) with the given settings."""
    redis_url = require_redis()
    flush_redis(redis_url)
    stacks: list[Stack] = []

    def make(**env: str) -> Stack:
        logs = artifacts / "stack" / request.node.name
        logs.mkdir(parents=True, exist_ok=True)
        stacks.append(Stack(logs, redis_url, fake_mixpanel.url, **env))
        stacks[-1].start_web()
        stacks[-1].start_beat()
        return stacks[-1]

    yield make
    for stack in stacks:
        stack.stop()
    flush_redis(redis_url)


def insert_ids(items: list[dict]) -> list[str]:
    return [item["properties"]["$insert_id"] for item in items]


def test_a_worker_killed_mid_send_is_replaced_within_one_lease_and_each_event_lands_once(
    make_stack, fake_mixpanel
):
    # given the shipped lease, and a Mixpanel that swallows the first request without answer
    stack = make_stack(**SHIPPED)
    stack.start_worker("first")
    stack.wait_for_log("first", "ready.")
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    fake_mixpanel.script(path="/track", delay=60.0, drop=True, times=1)
    send_batch(client, [track() for _ in range(50)])
    wait_until(lambda: not fake_mixpanel.pending_faults(), timeout=20)  # the send is in flight
    stack.start_worker("second")
    stack.wait_for_log("second", "ready.")
    # when the sending worker is killed in the middle of its request
    killed = time.monotonic()
    stack.kill("first")
    # then the other worker delivers every row within one lease and a sweep
    wait_until(lambda: settled(integration, 50), timeout=40, every=0.1)
    recovered = time.monotonic() - killed
    print(f"\nrecovered from a killed sender in {recovered:.1f} s")
    assert recovered < 15 + 5 + 3
    # and Mixpanel ingested each event exactly once
    ingested = insert_ids(fake_mixpanel.events())
    assert len(ingested) == len(set(ingested)) == 50


def test_a_round_longer_than_the_lease_is_never_sent_twice_while_its_worker_lives(
    make_stack, fake_mixpanel
):
    # given a short lease and a Mixpanel so slow that one round takes several leases:
    # 413 (split in halves, then quarters), each request answered after 2.5 s
    stack = make_stack(SIGNAL_SEND_LEASE_SECONDS="4", SIGNAL_HTTP_TIMEOUT_SECONDS="3")
    stack.start_worker("first")
    stack.wait_for_log("first", "ready.")
    stack.start_worker("second")
    stack.wait_for_log("second", "ready.")
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    too_large = {"code": 413, "error": "request exceeds max limit", "status": "Payload Too Large"}
    fake_mixpanel.script(path="/track", status=413, body=too_large, delay=2.5, times=3)
    fake_mixpanel.script(path="/track", delay=2.5, times=4)
    started = time.monotonic()
    # when 40 events are sent while two workers are ready to take them
    send_batch(client, [track() for _ in range(40)])
    wait_until(lambda: settled(integration, 40), timeout=60)
    # then the round outlasted its lease, and yet no item was sent twice
    assert time.monotonic() - started > 3 * 4
    sent = [
        i
        for r in fake_mixpanel.received("/track")
        if not r.get("fault", {}).get("status")
        for i in insert_ids(r["items"])
    ]
    assert len(sent) == len(set(sent)) == 40
    assert len(fake_mixpanel.events()) == 40
