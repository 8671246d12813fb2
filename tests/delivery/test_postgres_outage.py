"""PostgreSQL stopped while a worker's request to Mixpanel is in flight: the worker writes the
answer once the database is back, and nothing is sent twice."""

import base64
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.chaos.services import PrivateServices, missing_binaries
from tests.support.fake_mixpanel_fixtures import API_SECRET, TOKEN
from tests.support.processes import daphne_args, free_port, running, worker_args
from tests.support.services import missing
from tests.support.stack import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.services]
LEASE_SECONDS = 6


@pytest.fixture
def private(artifacts) -> Iterator[PrivateServices]:
    """A PostgreSQL (and Redis) of this test's own, which it may stop."""
    if reason := missing_binaries():
        missing(reason)
    with PrivateServices(artifacts / "postgres-outage-send") as services:
        yield services


def install_mixpanel(url: str, token: str) -> None:
    body = {
        "name": "Mixpanel",
        "variant": "default",
        "config": {"project_token": TOKEN, "api_secret": API_SECRET},
        "delivery_mode": "server_side",
    }
    response = httpx.post(
        f"{url}/v1/admin/integration-catalog/mixpanel/install",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text


def track() -> dict:
    return {
        "type": "track",
        "event": "Viewed",
        "userId": "u-1",
        "messageId": uuid.uuid4().hex,
        "context": {"consent": {"categoryPreferences": {"analytics": True}}},
    }


def delivered(private: PrivateServices) -> int:
    rows = private.query("SELECT count(*) FROM delivery_delivery WHERE status = 'delivered'")
    return rows[0][0]


def test_an_answer_that_arrives_while_postgres_is_down_is_recorded_not_resent(
    private, fake_mixpanel
):
    # given a worker with a short lease, and a Mixpanel that answers the first /track late
    env = private.env(
        fake_mixpanel.url,
        SIGNAL_SEND_LEASE_SECONDS=str(LEASE_SECONDS),
        SIGNAL_HTTP_TIMEOUT_SECONDS="4",
        SIGNAL_SWEEP_INTERVAL_SECONDS="0.5",
    )
    private.manage(env, "migrate", "--verbosity", "0")
    write_key = private.manage(env, "create_source", "outage", "--kind", "server")
    api_token = private.manage(env, "create_api_token", "outage")
    port, logs = free_port(), private.logs
    worker = worker_args("-Q", "delivery", "-P", "threads", "-c", "2", "--without-heartbeat")
    beat = [sys.executable, "-m", "celery", "-A", "signal_admin", "beat", "-l", "INFO"]
    beat += ["-s", str(logs / "beat-schedule")]
    with (
        running(daphne_args(port), env, logs / "daphne.log", port=port),
        running(worker, env, logs / "worker.log"),
        running(beat, env, logs / "beat.log"),
    ):
        url = f"http://127.0.0.1:{port}"
        install_mixpanel(url, api_token)
        fake_mixpanel.script(path="/track", delay=3.0, times=1)
        auth = base64.b64encode(f"{write_key}:".encode()).decode()
        events = [track() for _ in range(20)]
        response = httpx.post(
            f"{url}/v1/batch",
            json={"batch": events},
            headers={"Authorization": f"Basic {auth}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        wait_until(lambda: not fake_mixpanel.pending_faults(), timeout=60, every=0.05)

        # when PostgreSQL stops while that request is in flight, and its answer comes meanwhile
        private.postgres.stop("fast")
        wait_until(lambda: len(fake_mixpanel.events()) == 20, timeout=10, every=0.05)
        time.sleep(1.0)
        private.postgres.start()

        # then the worker records the deliveries once the database is back
        wait_until(lambda: delivered(private) == 20, timeout=30)
        # and after the lease has long ended, Mixpanel still has each event once
        time.sleep(LEASE_SECONDS + 3)
        assert len(fake_mixpanel.events()) == 20
        assert delivered(private) == 20
