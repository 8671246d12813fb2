"""A worker keeps its PostgreSQL connection from task to task: connecting anew for each (a
backend started, its caches filled) cost more than most tasks do."""

import pytest
from celery import Celery
from django.db import connection

from tests.support.services import require_redis
from tests.support.stack import Stack, flush_redis, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
TASKS = 12


APP_NAME = "signal-connections-test-worker"  # libpq names the worker's connections so


def connected_since() -> list:
    """When each open connection of the worker (and only its) was made."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT backend_start FROM pg_stat_activity WHERE application_name = %s",
            [APP_NAME],
        )
        return [started for (started,) in cursor.fetchall()]


def database_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def test_a_worker_runs_many_tasks_on_one_database_connection(artifacts, fake_mixpanel):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL counts the sessions opened to a database")
    redis_url = require_redis()
    flush_redis(redis_url)
    logs = artifacts / "worker-connections"
    logs.mkdir(exist_ok=True)
    stack = Stack(logs, redis_url, fake_mixpanel.url, PGAPPNAME=APP_NAME)
    try:
        # given a worker with one process, ready and idle
        stack.start_worker("worker1", concurrency=1, pool="prefork")
        stack.wait_for_log("worker1", "ready.")
        broker = Celery(broker=redis_url, set_as_current=False)
        broker.send_task("delivery.tasks.sweep", queue="delivery")
        stack.wait_for_log("worker1", "succeeded")
        before = database_now()
        # when it runs a dozen tasks that each query the database
        for _ in range(TASKS):
            broker.send_task("delivery.tasks.sweep", queue="delivery")
        log = stack.logs / "worker1.log"
        wait_until(lambda: log.read_text().count("succeeded") > TASKS)
        # then its one connection is still the one it made before them
        connected = connected_since()
    finally:
        stack.stop()
        flush_redis(redis_url)
    assert len(connected) == 1, f"{len(connected)} worker connections open after the tasks"
    assert connected[0] < before, "the worker connected again for these tasks"
