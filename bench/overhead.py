"""Item 1: creating a payout through the desk (form post, validation, database, provider
call) against calling the sandbox's create endpoint directly with requests, interleaved in one
run so both see the same machine."""

from __future__ import annotations

import itertools
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import requests

from bench.common import QueryCounter, Row, Samples, sample, timed_row, verdict
from bench.desk import Desk
from bench.env import SANDBOX_ACCOUNT, created_payout_id, submission_token
from webapp.extensions import db

OVERHEAD_TARGET_MS = 5.0


_ACCOUNTS = itertools.count(secrets.randbelow(10**9) * 1000)


def form_post(token: str) -> dict[str, str]:
    """What the browser posts for the spec's test_usd service: each time another recipient's
    account (the same one again would stop at the duplicate check, as it should)."""
    return {"currency": "USD", "amount": "10.00", "service": "test_usd", "action": "create",
            "submission_token": token, "field__account": str(next(_ACCOUNTS)),
            "customer_name": "Rita Recipient", "customer_reference_id": "",
            "customer_email": "", "customer_phone": "", "description": ""}


def direct_body() -> dict[str, Any]:
    """The same invoice as the desk sends it (see webapp/provider/client.py)."""
    reference = str(uuid.uuid4())
    return {"data": {"type": "payout-invoice", "attributes": {
        "service": "test_usd", "currency": "USD", "amount": 10.00, "reference_id": reference,
        "test_mode": True, "fields": {"account": "4242"},
        "callback_url": "https://localhost/callbacks/paymega",
        "customer": {"reference_id": str(uuid.uuid4()), "name": "Rita Recipient"},
        "metadata": {"payout_id": "1"},
        "options": {"auto_process": False},
    }}}


def _interleaved(first: Callable[[], None], second: Callable[[], None], n: int,
                 budget_s: float) -> tuple[Samples, Samples]:
    """Alternate the two calls so drifts in machine load hit both alike."""
    a: list[float] = []
    b: list[float] = []

    def pair() -> None:
        a.append(sample(first, 1, warmup=0).ms[0])
        b.append(sample(second, 1, warmup=0).ms[0])

    for _ in range(3):
        first()
        second()
    sample(pair, n, warmup=0, budget_s=budget_s)
    return Samples(a), Samples(b)


def run_overhead(desk: Desk, n: int) -> list[Row]:
    section = f"1 overhead/{desk.label}"
    client = desk.operator
    session = requests.Session()
    created: list[int] = []
    with desk.app.app_context():
        counter = QueryCounter(db.engine)
    queries: list[int] = []

    def through_app() -> None:
        with counter.measuring() as box:
            answer = client.post("/payouts/new", data=form_post(
                submission_token(desk.app, desk.operator_id)))
        queries.extend(box)
        if answer.status_code != 303:
            raise RuntimeError(f"create through the desk answered {answer.status_code}: "
                               f"{answer.get_data(as_text=True)[:300]}")
        created.append(created_payout_id(answer.headers.get("Location", "")))

    def direct() -> None:
        answer = session.post(f"{desk.sandbox_url}/payout-invoices", json=direct_body(),
                              auth=SANDBOX_ACCOUNT, timeout=5)
        if answer.status_code != 201:
            raise RuntimeError(f"direct create answered {answer.status_code}: {answer.text}")

    app_ms, direct_ms = _interleaved(through_app, direct, n, budget_s=60)
    cache = desk.app.extensions["payouts_prerequest_cache"]

    def cold_app() -> None:
        cache.clear()
        through_app()

    cold_ms, direct_cold = _interleaved(cold_app, direct, max(10, n // 4), budget_s=30)
    counter.close()
    extra = app_ms.median - direct_ms.median
    per_create = sum(queries[3:]) / max(1, len(queries[3:]))
    return [
        timed_row(section, "create: sandbox POST /payout-invoices direct", direct_ms),
        timed_row(section, "create: through the desk (pre-request cached)", app_ms,
                  round(per_create, 1),
                  result=f"x{app_ms.median / direct_ms.median:.2f}, +{extra:.2f} ms",
                  target=f"+<= {OVERHEAD_TARGET_MS:.0f} ms median",
                  verdict=verdict(extra <= OVERHEAD_TARGET_MS),
                  values={"overhead_ms": round(extra, 3),
                          "ratio": round(app_ms.median / direct_ms.median, 3),
                          "p99_ratio": round(app_ms.p99 / direct_ms.p99, 3)}),
        timed_row(section, "create: through the desk (pre-request cache cold)", cold_ms,
                  result=f"x{cold_ms.median / direct_cold.median:.2f}, "
                         f"+{cold_ms.median - direct_cold.median:.2f} ms",
                  note="each submit re-resolves the service from a pre-request; its answer "
                       "is cached for 60 s, so in use most submits are the cached case"),
    ]
