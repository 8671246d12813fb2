"""Redis stopped during ingestion: nothing accepted is lost, and it all drains afterwards."""

import subprocess
import time

import httpx
import pytest

from delivery.models import Event
from tests.delivery.helpers import collector, mixpanel, settled, track
from tests.support.processes import free_port, wait_for_port
from tests.support.services import require_redis
from tests.support.stack import Stack, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def start_redis(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port, proc=proc)
    return proc


@pytest.fixture
def private_redis():
    require_redis()  # the redis-server binary comes with the service
    port = free_port()
    holder = {"proc": start_redis(port)}
    yield port, holder
    if holder["proc"].poll() is None:
        holder["proc"].terminate()
        holder["proc"].wait()


def test_the_collector_keeps_its_word_while_redis_is_down(private_redis, fake_mixpanel, artifacts):
    port, holder = private_redis
    logs = artifacts / "stack" / "redis-outage"
    logs.mkdir(parents=True, exist_ok=True)
    stack = Stack(logs, f"redis://127.0.0.1:{port}/0", fake_mixpanel.url)
    try:
        stack.start_web()
        stack.start_worker()
        stack.start_beat()
        integration = mixpanel("retail")
        _, client = collector(stack.base_url)
        before = [track() for _ in range(10)]
        for event in before:
            assert client.post("/v1/track", json=event).status_code == 200
        wait_until(lambda: settled(integration, 10), timeout=30)

        # when Redis goes away in the middle of ingestion
        holder["proc"].terminate()
        holder["proc"].wait()
        answers = []
        for event in [track() for _ in range(10)]:
            started = time.monotonic()
            response = client.post("/v1/track", json=event)
            answers.append((response.status_code, time.monotonic() - started))
        # then every answer is a 200 backed by the database, or a clean 503; never slow
        assert {code for code, _ in answers} <= {200, 503}
        assert max(seconds for _, seconds in answers) < 5
        accepted = 10 + sum(1 for code, _ in answers if code == 200)
        assert Event.objects.count() == accepted

        # and after Redis returns, everything drains, once
        holder["proc"] = start_redis(port)
        wait_until(lambda: settled(integration, accepted), timeout=150)
        assert len(fake_mixpanel.unique_events()) == accepted
    finally:
        stack.stop()
        httpx.Client().close()
