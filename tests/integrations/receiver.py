"""A platform's webhook receiver on 127.0.0.1: verifies signatures, applies each action once.

Written from the contract (docs/integration.md), not from the server's signing code, so the
two are checked against each other.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Arrival:
    """One request as received: when, for which action, and whether its signature held."""

    action_id: str
    at: float  # time.time()
    signature_ok: bool
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Collects deliveries; `fail_until`/`status` make it answer errors for a while."""

    secrets: list[str] = field(default_factory=list)
    status: int = 200
    fail_until: float = 0.0  # time.time() before which it answers 500
    delay: float = 0.0  # seconds to hold each request after applying it
    answer: bytes = b""  # a body for 2xx answers (an ack), sent with status 200
    arrivals: list[Arrival] = field(default_factory=list)
    applied: dict[str, dict[str, Any]] = field(default_factory=dict)
    accepted: dict[str, int] = field(default_factory=dict)  # 2xx answers per action id
    in_progress: set[str] = field(default_factory=set)
    overlaps: list[str] = field(default_factory=list)
    keep_alive: bool = False  # HTTP/1.0 closes each connection, so stop() really refuses
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/shieldwall"

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        """The check a platform makes: any v1 signature by any known secret, fresh timestamp."""
        try:
            ts = int(headers["Shieldwall-Timestamp"])
        except (KeyError, ValueError):
            return False
        if abs(time.time() - ts) > 300:
            return False
        given = [
            part.split("=", 1)[1]
            for part in headers.get("Shieldwall-Signature", "").split(",")
            if part.startswith("v1=")
        ]
        message = f"{ts}.".encode() + body
        for secret in self.secrets:
            want = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
            if any(hmac.compare_digest(want, g) for g in given):
                return True
        return False

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        action_id = headers.get("Shieldwall-Action-Id", "")
        ok = self.verify(headers, body)
        with self.lock:
            self.arrivals.append(Arrival(action_id, time.time(), ok, headers, body))
            if action_id in self.in_progress:
                self.overlaps.append(action_id)
            self.in_progress.add(action_id)
        try:
            if not ok:
                return 401
            if time.time() < self.fail_until or self.status >= 300:
                return 500 if self.status < 300 else self.status
            action = json.loads(body)
            assert action["id"] == action_id
            with self.lock:  # apply idempotently by id
                if action_id not in self.applied:
                    self.applied[action_id] = action
                self.accepted[action_id] = self.accepted.get(action_id, 0) + 1
            if self.delay:
                time.sleep(self.delay)
            return 200 if self.answer else 204
        finally:
            with self.lock:
                self.in_progress.discard(action_id)

    def start(self, port: int = 0) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if receiver.keep_alive else "HTTP/1.0"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:
                    # The sender died mid-request (a killed worker): as a real web server
                    # would, drop the broken request rather than judge half of it.
                    self.close_connection = True
                    return
                code = receiver.handle(dict(self.headers.items()), body)
                answer = receiver.answer if code == 200 else b""
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 128  # the default 5 drops bursts of new connections

        server = Server(("127.0.0.1", port), Handler)
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True, name="receiver").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, ids: set[str], timeout: float = 30.0) -> bool:
        """Wait until every id was applied; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if ids <= self.applied.keys():
                    return True
            time.sleep(0.02)
        return False
