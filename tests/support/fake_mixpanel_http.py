"""The HTTP/1.1 transport of the fake Mixpanel: keep-alive, Content-Length on every answer,
and a way to close a connection without answering."""

import contextlib
import socket
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol


@dataclass
class Reply:
    status: int = 200
    body: str = ""
    content_type: str = "application/json"
    drop: bool = False


class Answerer(Protocol):
    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply: ...


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: Answerer

    def __init__(self, address: tuple[str, int], fake: Answerer) -> None:
        super().__init__(address, Handler)
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()

    def close_connections(self) -> None:
        """Idle keep-alive connections would otherwise keep their threads blocked."""
        for sock in list(self.open_sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def setup(self) -> None:
        super().setup()
        # Small answers must not wait on Nagle's algorithm and the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        self.server.open_sockets.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            reply = self.server.fake.handle(method, self.path, headers, self._read_body())
        except Exception as exc:  # a bug in the fake must show, not hang the client
            reply = Reply(500, f"fake Mixpanel failed: {exc!r}", content_type="text/plain")
        if reply.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = reply.body.encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self._headers_buffer.append(b"\r\n" + payload)  # headers and body in one write
        self.flush_headers()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        return b"".join(chunks)

    def log_message(self, format: str, *args: Any) -> None:
        pass
