"""A stdlib HTTP server on 127.0.0.1 at a free port, serving from a thread."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


class FakeHandler(BaseHTTPRequestHandler):
    """Routes GETs to the owning fake's `handle_get`; one request per connection (HTTP/1.0)."""

    server: FakeHTTPServer

    def do_GET(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        fake.requests.append((parts.path, params, dict(self.headers.items())))
        if fake.fail_with is not None:
            self.reply(fake.fail_with, b"fake failure", "text/plain")
            return
        status, body, content_type = fake.handle_get(parts.path, params, self.headers)
        self.reply(status, body, content_type)

    def reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeService


class FakeService:
    """Base of the fakes: start/stop, the requests it saw, and a switch to fail every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []
        self.fail_with: int | None = None
        self._httpd: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle_get(self, path: str, params: dict[str, str], headers: Any) -> tuple[int, bytes, str]:
        raise NotImplementedError

    def start(self) -> Self:
        self._httpd = FakeHTTPServer(("127.0.0.1", self.port), FakeHandler)
        self._httpd.fake = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; the port then refuses connections."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
