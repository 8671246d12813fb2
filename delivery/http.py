"""All of Signal's outbound HTTP goes through one pooled `httpx.Client` per process.

The client keeps connections alive between batches (Celery workers send many small
requests to the same host). It is created lazily, shared by threads, and recreated in a
forked child, which must never reuse its parent's sockets.
"""

import os
import threading

import httpx
from django.conf import settings

CONNECT_TIMEOUT_SECONDS = 5.0
LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30.0)
USER_AGENT = "Signal/0.1"

_lock = threading.Lock()
_client: httpx.Client | None = None
_pid: int | None = None


def new_client() -> httpx.Client:
    """A client with Signal's timeouts and pool limits (callers own and close it)."""
    seconds = settings.SIGNAL_HTTP_TIMEOUT_SECONDS
    return httpx.Client(
        timeout=httpx.Timeout(seconds, connect=min(CONNECT_TIMEOUT_SECONDS, seconds)),
        limits=LIMITS,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )


def get_client() -> httpx.Client:
    """This process's shared client."""
    global _client, _pid
    client, pid = _client, os.getpid()
    if client is not None and _pid == pid:
        return client
    with _lock:
        if _client is None or _pid != pid:
            _client, _pid = new_client(), pid
        return _client


def close_client() -> None:
    """Close this process's shared client; the next `get_client()` makes a new one."""
    global _client, _pid
    with _lock:
        client, owner = _client, _pid
        _client, _pid = None, None
    if client is not None and owner == os.getpid():
        client.close()


def _after_fork_in_child() -> None:
    # The parent's lock may have been held by another thread at fork time, and its
    # pooled sockets belong to the parent: start afresh without closing them.
    global _lock, _client, _pid
    _lock, _client, _pid = threading.Lock(), None, None


os.register_at_fork(after_in_child=_after_fork_in_child)
