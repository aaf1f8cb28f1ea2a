"""Item 6: callbacks accepted (signature checked, recorded) and applied (the invoice fetched
from the sandbox and applied to the payout), one after another, per second.

The route hands each accepted callback to the background worker; here that hand-off is
replaced by a list, and the worker's job (`apply_callback`) is then run and timed in the
bench process, in its own app context as the worker does. The route's rate limit
(100/second per sender) is reset between chunks so that capacity, not the limit, is measured.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from typing import Any

import requests

from bench.common import Row, Samples
from bench.desk import Desk
from bench.env import SANDBOX_ACCOUNT
from webapp.callbacks import routes as callback_routes
from webapp.callbacks.services import apply_callback
from webapp.callbacks.signature import sign
from webapp.extensions import db, limiter
from webapp.models import Payout

LIMIT_CHUNK = 90  # below the route's 100/second


def _invoice_bodies(desk: Desk, n: int) -> list[bytes]:
    with desk.app.app_context():
        invoice_ids = list(db.session.scalars(
            db.select(Payout.provider_invoice_id).where(Payout.provider_invoice_id.is_not(None))))
    if not invoice_ids:
        raise RuntimeError("no payout with an invoice: run the overhead benchmark first")
    session = requests.Session()
    invoices = [session.get(f"{desk.sandbox_url}/payout-invoices/{i}", auth=SANDBOX_ACCOUNT,
                            timeout=5).json() for i in invoice_ids]
    # Each body differs (the desk drops exact duplicates by their SHA-256).
    return [json.dumps({**invoices[i % len(invoices)], "meta": {"bench_seq": i}}).encode()
            for i in range(n)]


def run_callbacks(desk: Desk, n: int) -> list[Row]:
    section = f"6 callbacks/{desk.label}"
    bodies = _invoice_bodies(desk, n)
    secret = desk.app.config["PAYMEGA_SECRET_KEY"]
    client = desk.app.test_client()
    queued: list[int] = []
    original = callback_routes.apply_callback_task
    callback_routes.apply_callback_task = queued.append  # type: ignore[assignment]
    accept_ms: list[float] = []
    try:
        started = time.perf_counter()
        for index, body in enumerate(bodies):
            if index % LIMIT_CHUNK == 0:
                with desk.app.app_context():
                    limiter.reset()
            t0 = time.perf_counter()
            answer = client.post("/callbacks/paymega", data=body, base_url="https://localhost",
                                 headers={"X-Signature": sign(body, secret),
                                          "Content-Type": "application/json"})
            accept_ms.append((time.perf_counter() - t0) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"callback answered {answer.status_code}: {answer.data!r}")
        accept_wall = time.perf_counter() - started
    finally:
        callback_routes.apply_callback_task = original
    outcomes: Counter[str] = Counter()
    apply_ms: list[float] = []
    started = time.perf_counter()
    for log_id in queued:
        t0 = time.perf_counter()
        with desk.app.app_context():
            try:
                outcomes[apply_callback(log_id)] += 1
            finally:
                db.session.remove()
        apply_ms.append((time.perf_counter() - t0) * 1000)
    apply_wall = time.perf_counter() - started
    quiet = logging.getLogger("webapp.callbacks.routes")
    quiet.disabled = True  # the forged callback below would log a warning into the table
    bad = desk.app.test_client().post("/callbacks/paymega", data=bodies[0],
                                      base_url="https://localhost",
                                      headers={"X-Signature": "bm90IGl0"}).status_code
    quiet.disabled = False
    accepted, applied = Samples(accept_ms), Samples(apply_ms or [0.0])
    return [
        _rate_row(section, "accept: POST /callbacks/paymega, signed", accepted, len(bodies),
                  accept_wall, {"queued": len(queued), "bad_signature_status": bad},
                  "signature check, JSON parse, dedupe by SHA-256, one INSERT; a forged "
                  f"signature got {bad}. In production the route's limit, 100/second per "
                  "sender IP, caps this from one provider address"),
        _rate_row(section, "apply: fetch invoice from sandbox + apply", applied, len(queued),
                  apply_wall, dict(outcomes), "outcomes: " + ", ".join(
                      f"{k} {v}" for k, v in sorted(outcomes.items()))),
    ]


def _rate_row(section: str, name: str, samples: Samples, count: int, wall: float,
              values: dict[str, Any],
              note: str) -> Row:
    rate = count / wall if wall else 0.0
    return Row(section, name, round(samples.median, 3), round(samples.p99, 3), len(samples.ms),
               result=f"{rate:.0f}/s (1 thread)", values={"per_second": round(rate, 1), **values},
               note=note)
