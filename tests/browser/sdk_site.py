"""A customer's website for the browser SDK tests: HTML pages and the SDKs from node_modules.

Served from its own port, so every call to Signal is cross-origin as on a real site. The SDK
files come from `tests/browser/sdk/node_modules` (`npm ci` there), never from a CDN.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.services import missing

NODE_MODULES = Path(__file__).resolve().parent / "sdk" / "node_modules"
# analytics-next's UMD build sets `AnalyticsNext`; its lazy chunks sit beside it.
SEGMENT_DIR = NODE_MODULES / "@segment" / "analytics-next" / "dist" / "umd"
# RudderStack's self-contained build (the default one fetches its plugins from a CDN).
RUDDERSTACK_DIR = NODE_MODULES / "@rudderstack" / "analytics-js" / "dist/npm/modern/bundled/umd"
MOUNTS = {"/segment/": SEGMENT_DIR, "/rudderstack/": RUDDERSTACK_DIR}


def require_sdks() -> None:
    """Skip (or fail under SIGNAL_REQUIRE_SERVICES=1) without the npm packages."""
    for folder in MOUNTS.values():
        if not (folder / "index.js").exists():
            missing(f"{folder} is missing: run `npm ci --prefix tests/browser/sdk`")


class Site:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.pages: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, name: str, html: str) -> str:
        """Serve `html` at /{name}.html; returns its URL."""
        self.pages[f"/{name}.html"] = html
        return f"{self.url}/{name}.html"


def _handler(site_ref: list[Site]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?", 1)[0]
            site = site_ref[0]
            if path in site.pages:
                return self._send(site.pages[path].encode(), "text/html; charset=utf-8")
            for prefix, folder in MOUNTS.items():
                if path.startswith(prefix):
                    file = (folder / path[len(prefix) :]).resolve()
                    if file.is_file() and folder in file.parents:
                        return self._send(file.read_bytes(), "text/javascript")
            self.send_error(404)

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serving() -> Iterator[Site]:
    ref: list[Site] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ref))
    ref.append(Site(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ref[0]
    finally:
        server.shutdown()
        server.server_close()
