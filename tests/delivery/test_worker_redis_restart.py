"""Redis restarts (empty) while a worker holds a task: the worker lives on, nothing is doubled."""

import time

import httpx
import pytest

from tests.delivery.helpers import collector, mixpanel, send_batch, settled, track
from tests.delivery.test_redis_outage import start_redis
from tests.support.processes import free_port
from tests.support.services import require_redis
from tests.support.stack import Stack, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.django_db(transaction=True)]
# Generous: this checks that the worker comes back, not how fast.
RECOVERY_BOUND_SECONDS = 60


@pytest.fixture
def private_redis_port():
    """A port for a private redis-server the test stops and starts itself."""
    require_redis()  # the redis-server binary comes with the service
    return free_port()


def insert_ids(fake_mixpanel) -> list[str]:
    return [event["properties"]["$insert_id"] for event in fake_mixpanel.events()]


@pytest.mark.parametrize("pool", ["prefork", "threads"])
def test_a_worker_holding_a_task_survives_a_redis_restart_and_each_event_lands_once(
    pool, private_redis_port, fake_mixpanel, artifacts
):
    port = private_redis_port
    redis_proc = start_redis(port)
    logs = artifacts / "stack" / f"worker-redis-restart-{pool}"
    logs.mkdir(parents=True, exist_ok=True)
    # An HTTP timeout longer than the slow answer below, so the send is held, not failed.
    stack = Stack(
        logs,
        f"redis://127.0.0.1:{port}/0",
        fake_mixpanel.url,
        SIGNAL_HTTP_TIMEOUT_SECONDS="10",
        SIGNAL_SEND_LEASE_SECONDS="15",
    )
    try:
        stack.start_web()
        worker = stack.start_worker(pool=pool, concurrency=2)
        stack.wait_for_log("worker", "ready.")
        stack.start_beat()
        integration = mixpanel("retail")
        _, client = collector(stack.base_url)
        send_batch(client, [track() for _ in range(10)])
        wait_until(lambda: settled(integration, 10), timeout=30)

        # given a send task in flight to a Mixpanel that answers after 6 s
        fake_mixpanel.script(path="/track", delay=6.0, times=1)
        send_batch(client, [track() for _ in range(10)])
        wait_until(lambda: not fake_mixpanel.pending_faults(), timeout=20)
        # when Redis restarts, empty, while the worker holds that task
        redis_proc.terminate()
        redis_proc.wait()
        restarted = time.monotonic()
        time.sleep(1)
        redis_proc = start_redis(port)
        # and more events arrive while the worker reconnects, then after it has
        during = [track() for _ in range(10)]
        send_batch(client, during)
        time.sleep(8)  # past the slow answer: the held task has finished and been acked
        assert worker.poll() is None, "the worker exited when Redis restarted"
        send_batch(client, [track() for _ in range(10)])

        # then everything is delivered, within the bound, by the same worker process
        wait_until(lambda: settled(integration, 40), timeout=RECOVERY_BOUND_SECONDS)
        recovered = time.monotonic() - restarted
        print(f"\n{pool} worker delivered everything {recovered:.1f} s after Redis restarted")
        assert recovered < RECOVERY_BOUND_SECONDS
        assert worker.poll() is None, "the worker exited when Redis restarted"
        # and Mixpanel ingested each event exactly once
        ingested = insert_ids(fake_mixpanel)
        assert len(ingested) == len(set(ingested)) == 40
        assert len(fake_mixpanel.unique_events()) == 40
    finally:
        stack.stop()
        if redis_proc.poll() is None:
            redis_proc.terminate()
            redis_proc.wait()
        httpx.Client().close()
