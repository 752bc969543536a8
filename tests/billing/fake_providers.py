"""A local stand-in for the payment providers' HTTP APIs (Dodo Payments and Stripe), started by
the tests on 127.0.0.1, and webhook deliveries signed the way each provider signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from standardwebhooks import Webhook

DODO_SECRET = "whsec_dGVzdC13ZWJob29rLXNlY3JldC0wMTIzNDU2Nzg5"
STRIPE_SECRET = "whsec_test_stripe_0123456789"


class Fake:
    """The fake's base URL and every request it answered: (method, path, body, headers)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.requests: list[tuple[str, str, Any, dict[str, str]]] = []


class _Handler(BaseHTTPRequestHandler):
    fake: Fake

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        body: Any = json.loads(raw) if raw.startswith("{") else parse_qs(raw)
        self.fake.requests.append(("POST", self.path, body, dict(self.headers)))
        status, answer = _answer(self.fake.url, self.path.split("?")[0])
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _answer(url: str, path: str) -> tuple[int, Any]:
    if path == "/checkouts":  # Dodo Payments
        return 200, {"session_id": "cks_1", "checkout_url": f"{url}/pay/cks_1"}
    if path.startswith("/customers/") and path.endswith("/customer-portal/session"):
        return 200, {"link": f"{url}/portal/{path.split('/')[2]}"}
    if path == "/v1/checkout/sessions":  # Stripe
        return 200, {"id": "cs_1", "object": "checkout.session", "url": f"{url}/pay/cs_1"}
    if path == "/v1/billing_portal/sessions":
        return 200, {"id": "bps_1", "object": "billing_portal.session", "url": f"{url}/portal"}
    return 404, {"error": {"message": f"no route {path}"}}


@contextmanager
def running() -> Iterator[Fake]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    fake = Fake(f"http://127.0.0.1:{server.server_address[1]}")
    _Handler.fake = fake
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def dodo_delivery(
    event_id: str, kind: str, data: dict[str, Any], secret: str = DODO_SECRET
) -> tuple[bytes, dict[str, str]]:
    """A Dodo Payments webhook: Standard Webhooks headers over the JSON body."""
    now = datetime.now(UTC)
    body = json.dumps(
        {"business_id": "bus_1", "type": kind, "timestamp": now.isoformat(), "data": data}
    )
    signature = Webhook(secret).sign(event_id, now, body)
    headers = {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }
    return body.encode(), headers


def stripe_delivery(
    event_id: str, kind: str, obj: dict[str, Any], secret: str = STRIPE_SECRET
) -> tuple[bytes, dict[str, str]]:
    """A Stripe webhook: `Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`."""
    body = json.dumps(
        {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}
    ).encode()
    stamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={stamp},v1={mac}", "content-type": "application/json"}
