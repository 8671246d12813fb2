"""`make run`: Signal in one process, with no Redis and no PostgreSQL.

Migrates, creates the first admin user (printing its generated password once), then serves
HTTP and websockets with daphne while a real Celery worker consumes the delivery queue from
an in-process broker in a thread beside it. Accepted events are durable in SQLite and the
outbox sweeper re-enqueues anything unfinished, so a restart loses nothing.
"""

import logging
import secrets
import threading

from django.conf import settings
from django.core.management import call_command

log = logging.getLogger("signal.standalone")
WORKER_THREADS = 4


def prepare() -> list[str]:
    """Migrate and create first-run data; returns lines to print once."""
    from django.contrib.auth import get_user_model

    from integrations.models import Source

    call_command("migrate", interactive=False, verbosity=0)
    lines = []
    users = get_user_model().objects
    if not users.filter(is_superuser=True).exists():
        password = secrets.token_urlsafe(12)
        users.create_superuser("admin", "admin@localhost", password)
        lines.append(f"Admin user created: username 'admin', password '{password}'")
        lines.append("  (shown once; change it after logging in)")
    if not Source.objects.exists():
        source = Source.objects.create(name="Website", kind=Source.BROWSER)
        lines.append(f"Source 'Website' created; its write key is {source.write_key}")
    return lines


def start_worker():
    """A Celery WorkController in a daemon thread (a real worker, not eager mode)."""
    from celery.worker import WorkController

    from signal_admin.celery import app

    app.set_current()
    worker = WorkController(
        app=app,
        pool="threads",
        concurrency=WORKER_THREADS,
        hostname="standalone@localhost",
        queues=[settings.CELERY_TASK_DEFAULT_QUEUE],
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
    )
    thread = threading.Thread(target=worker.start, name="celery-worker", daemon=True)
    thread.start()
    return worker, thread


def stop_worker(worker, thread: threading.Thread) -> None:
    from celery.worker import state

    state.should_terminate = 0
    worker.stop(in_sighandler=False)
    thread.join(timeout=10)


def serve(port: int) -> None:
    """Run daphne in this thread until Ctrl-C or SIGTERM."""
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server  # installs the asyncio reactor: before twisted's import
    from twisted.internet import reactor

    from signal_admin.asgi import application

    # The worker threads broadcast through the in-memory channel layer, which lives on
    # daphne's loop. At startup the loop is not running yet, so look it up one tick later.
    reactor.callWhenRunning(lambda: reactor.callLater(0, _remember_serving_loop))
    Server(
        application=application,
        endpoints=build_endpoint_description_strings(host="127.0.0.1", port=port),
        signal_handlers=True,
        action_logger=None,
    ).run()


def _remember_serving_loop() -> None:
    import asyncio

    from delivery import broadcast

    broadcast.serving_loop = asyncio.get_running_loop()
