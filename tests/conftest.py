import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.support.fake_mixpanel_fixtures", "tests.support.fake_amplitude_fixtures"]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def api_token(db) -> str:
    from integrations.models import ApiToken

    return ApiToken.issue("tests")[1]


@pytest.fixture
def staff_user(db):
    from django.contrib.auth.models import User

    return User.objects.create_superuser("admin", "admin@example.com", "correct-horse-battery")


@pytest.fixture
def staff_client(staff_user):
    """Django's test client, logged in as a staff user."""
    from django.test import Client

    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture(scope="session")
def chromium_path() -> str:
    from tests.support.services import require_chromium

    return require_chromium()


@pytest.fixture(scope="module")
def browser(chromium_path):
    """Debian's headless Chromium driven by Playwright (no browser download).

    Module-scoped: Playwright's sync API keeps an event loop running in this thread while it
    is open, which later in-process asyncio tests (websocket consumers) must not inherit.
    """
    from playwright.sync_api import sync_playwright

    # The tests' own ORM calls beside that loop are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium_path,
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    # nothing a page loads may leave the machine (no CDN, no vendor host)
                    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                ],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def daphne_server(django_db_setup, django_db_blocker, artifacts):
    """A real daphne serving Signal against the test database; yields its base URL."""
    from tests.support.processes import child_env, daphne_args, free_port, running

    port = free_port()
    log = artifacts / "daphne.log"
    with django_db_blocker.unblock():
        env = child_env()
    with running(daphne_args(port), env, log, port=port):
        yield f"http://127.0.0.1:{port}"


def pytest_configure(config) -> None:
    os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", "0")


@pytest.fixture
def stack(transactional_db, artifacts, request):
    """Signal's distributed processes on Redis (daphne, a Celery worker, beat).

    Pointed at the `fake_mixpanel` fixture; tests start further workers or web servers with
    `stack.start_worker(name)` / `stack.start_web(name)`.
    """
    from tests.support.services import require_redis
    from tests.support.stack import Stack, flush_redis

    redis_url = require_redis()
    flush_redis(redis_url)
    fake = request.getfixturevalue("fake_mixpanel")
    logs = artifacts / "stack" / request.node.name
    logs.mkdir(parents=True, exist_ok=True)
    stack = Stack(logs, redis_url, fake.url)
    try:
        stack.start_web()
        stack.start_worker()
        stack.start_beat()
        yield stack
    finally:
        stack.stop()
        flush_redis(redis_url)
