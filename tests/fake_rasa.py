"""A stand-in for Rasa's REST webhook: answers every message with one reply naming the
server, records what it was asked, and can be slow or fail (for tests of the service's
client and of what the service sends)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeRasa(ThreadingHTTPServer):
    def __init__(self, status: int = 200, seconds_per_answer: float = 0.0, **custom: Any) -> None:
        self.status = status
        # More of a custom payload for every answer (topic, sources, understood, ...).
        self.custom = custom
        self.asked: list[str] = []
        self.bodies: list[dict[str, Any]] = []  # every request body, in order
        self.seconds_per_answer = seconds_per_answer
        self.in_flight = 0
        self.most_in_flight = 0
        self._count = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def counted(self, change: int) -> None:
        with self._count:
            self.in_flight += change
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeRasa

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.counted(+1)
        time.sleep(self.server.seconds_per_answer)
        self.server.asked.append(body["message"])
        self.server.bodies.append(body)
        self.server.counted(-1)
        custom = {"text": f"answer from {self.server.url}", **self.server.custom}
        payload = json.dumps([{"custom": custom}]).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        # Rasa's root answers once its model is loaded: what readiness asks.
        payload = b"Hello from Rasa: 3.6"
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass
