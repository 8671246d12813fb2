"""The web server refuses an oversized body before receiving it (real daphne, raw sockets)."""

import socket
import time
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.slow


def _connect(base_url: str) -> socket.socket:
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_declared_gigabyte_is_refused_at_the_headers_without_reading_the_body(daphne_server):
    # given: a client that declares 1 GB and sends none of it, with no credentials
    sock = _connect(daphne_server)
    started = time.monotonic()
    sock.sendall(
        b"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000000000\r\n\r\n{"batch": ['
    )
    # when
    answer = _read_all(sock)
    sock.close()
    # then: answered at once, and the connection closed by the server
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"larger than" in answer
    assert time.monotonic() - started < 3


def test_a_chunked_body_is_cut_off_at_the_limit(daphne_server, settings):
    # given
    sock = _connect(daphne_server)
    sock.sendall(
        b"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 65536
    sent = 0
    # when: more than the limit, chunk after chunk, until the server stops listening
    try:
        while sent < 4 * settings.SIGNAL_MAX_BODY_BYTES:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = _read_all(sock)
    sock.close()
    # then
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 4 * settings.SIGNAL_MAX_BODY_BYTES


def test_a_body_within_the_limit_still_reaches_the_app(daphne_server):
    sock = _connect(daphne_server)
    body = b'{"batch": []}'
    sock.sendall(
        b"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    answer = _read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 40"), answer[:200]  # the app's own answer (401/400)
    assert b"413" not in answer.split(b"\r\n")[0]
