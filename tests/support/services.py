"""Finding the real services the tests need, or skipping with a reason.

With SIGNAL_REQUIRE_SERVICES=1 (CI) a missing service fails the test instead of skipping it.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

REDIS_URL = os.environ.get("SIGNAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("SIGNAL_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def required() -> bool:
    return os.environ.get("SIGNAL_REQUIRE_SERVICES") == "1"


def missing(reason: str) -> None:
    if required():
        pytest.fail(f"{reason} (SIGNAL_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=1):
            return True
    except OSError:
        return False


def require_redis() -> str:
    if not reachable(REDIS_URL):
        missing(f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


def require_chromium() -> str:
    if not os.path.exists(CHROMIUM):
        missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


def require_postgres() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        missing("this test needs PostgreSQL: set DATABASE_URL=postgres://...")
