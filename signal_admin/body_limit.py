"""A request body over the limit is refused by the web server itself, before it is stored.

daphne (through Twisted) reads a request's whole body, into a temporary file when it is
large, before the application sees a byte: an unauthenticated client declaring 1 GB would
fill the disk first and be refused after. This request class answers 413 as soon as the
headers declare too much, or as soon as a chunked body passes the limit, and drops the rest.

`install()` swaps it into daphne; `signal_admin.asgi` calls it, so `make run` and every
`daphne signal_admin.asgi:application` process get it.
"""

import json

from daphne import http_protocol
from django.conf import settings

_Base = http_protocol.WebRequest


def _response(limit: int) -> bytes:
    body = json.dumps(
        {
            "success": False,
            "error": f"Body is larger than {limit} bytes.",
            "fields": {"body": f"Body is larger than {limit} bytes."},
        }
    ).encode()
    head = (
        "HTTP/1.1 413 Request Entity Too Large\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Access-Control-Allow-Origin: *\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


class LimitedRequest(_Base):
    """daphne's request, with a ceiling on the body it will receive."""

    refused = False
    received = 0

    @staticmethod
    def limit() -> int:
        # Admin forms and the API are small; the collection API's limit is the largest body.
        return max(settings.SIGNAL_MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)

    def gotLength(self, length: int | None) -> None:
        if length is not None and length > self.limit():
            self.refuse()
            return
        super().gotLength(length)

    def handleContentChunk(self, data: bytes) -> None:
        if self.refused:
            return
        self.received += len(data)
        if self.received > self.limit():
            self.refuse()
            return
        super().handleContentChunk(data)

    def refuse(self) -> None:
        """Answer 413 on the raw connection and close it; nothing more is read or stored."""
        self.refused = True
        self.content = None
        transport = self.channel.transport
        transport.write(_response(self.limit()))
        transport.loseConnection()

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        if not self.refused:
            super().requestReceived(command, path, version)


def install() -> None:
    """Make daphne build LimitedRequest for every HTTP request (its factory reads the module
    attribute each time it builds a protocol)."""
    http_protocol.WebRequest = LimitedRequest
