"""PostgreSQL stopped under a running collector: 503s at once, and 200s again at once."""

import base64
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.chaos.services import PrivateServices, missing_binaries
from tests.support.processes import daphne_args, free_port, running
from tests.support.services import missing

pytestmark = [pytest.mark.slow, pytest.mark.services]


@pytest.fixture
def private(artifacts) -> Iterator[PrivateServices]:
    """A PostgreSQL (and Redis) of this test's own, which it may stop."""
    if reason := missing_binaries():
        missing(reason)
    with PrivateServices(artifacts / "database-outage") as services:
        yield services


def post(client: httpx.Client, url: str) -> tuple[int, float]:
    """(status, seconds) of one event posted; 0 when the request itself failed."""
    started = time.monotonic()
    body = {"event": "Viewed", "userId": "u-1", "messageId": uuid.uuid4().hex}
    try:
        status = client.post(f"{url}/v1/track", json=body).status_code
    except httpx.HTTPError:
        status = 0
    return status, time.monotonic() - started


def test_while_postgres_is_down_the_collector_answers_503_at_once_and_200_soon_after(private):
    # given a collector on a database of its own, taking events
    env = private.env()
    private.manage(env, "migrate", "--verbosity", "0")
    write_key = private.manage(env, "create_source", "outage", "--kind", "server")
    auth = base64.b64encode(f"{write_key}:".encode()).decode()
    port = free_port()
    with (
        running(daphne_args(port), env, private.logs / "daphne.log", port=port),
        httpx.Client(headers={"Authorization": f"Basic {auth}"}, timeout=15) as client,
    ):
        url = f"http://127.0.0.1:{port}"
        before = [post(client, url) for _ in range(5)]
        assert [status for status, _ in before] == [200] * 5

        # when PostgreSQL stops
        private.postgres.stop("fast")
        during = [post(client, url) for _ in range(10)]

        # then every request hears a 503 (nothing stored, retry), each within a second or two
        assert [status for status, _ in during] == [503] * 10
        assert max(seconds for _, seconds in during) < 2.0

        # and once PostgreSQL is back, events are taken again within a couple of seconds
        private.postgres.start()
        back = time.monotonic()
        while (answer := post(client, url))[0] != 200 and time.monotonic() - back < 10:
            time.sleep(0.1)
        assert answer[0] == 200
        assert time.monotonic() - back < 3.0
    # and exactly the events answered 200 are in the database
    assert private.query("SELECT count(*) FROM delivery_event") == [(5 + 1,)]
