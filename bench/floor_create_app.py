"""The floor for the create comparison: what store-before-call costs with Flask and the
database alone. A form post stores a row and commits it, sends the same invoice the desk
sends to the provider, stores the answer and commits it, and answers 303, as the desk does;
no login, session, CSRF, forms, audit, duplicate check or ORM. On SQLite the file is in WAL
mode with `synchronous=NORMAL`, and on PostgreSQL the answer's commit does not wait for the
disk: the desk's settings, so the floor is not slower than the desk for a reason of its own.

Run with gunicorn, with the desk's PAYMEGA_API_URL, PAYMEGA_ACCOUNT_ID and PAYMEGA_SECRET_KEY,
after `create_table(url)`: BENCH_FLOOR_DATABASE_URL=url gunicorn bench.floor_create_app:app
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import requests
from flask import Flask, redirect, request
from sqlalchemy import create_engine, event, text
from werkzeug.wrappers import Response

from bench.floor_app import _engine_url

COLUMNS = ("reference_id VARCHAR(36) NOT NULL, amount NUMERIC(20, 2) NOT NULL,"
           " status VARCHAR(32) NOT NULL, invoice_id VARCHAR(64))")
SCHEMA = {
    "sqlite": "CREATE TABLE bench_floor_payouts (id INTEGER PRIMARY KEY, "
              + COLUMNS,
    "postgresql": "CREATE TABLE bench_floor_payouts (id SERIAL PRIMARY KEY, "
                  + COLUMNS,
}
STORE = text("INSERT INTO bench_floor_payouts (reference_id, amount, status)"
             " VALUES (:reference_id, :amount, 'stored') RETURNING id")
ANSWER = text("UPDATE bench_floor_payouts SET status = :status, invoice_id = :invoice_id"
              " WHERE id = :id")

app = Flask(__name__)
engine = create_engine(_engine_url(os.environ.get("BENCH_FLOOR_DATABASE_URL", "sqlite://")))
provider = requests.Session()
provider_url = os.environ.get("PAYMEGA_API_URL", "http://127.0.0.1:9")
provider_account = (os.environ.get("PAYMEGA_ACCOUNT_ID", ""),
                    os.environ.get("PAYMEGA_SECRET_KEY", ""))

if engine.dialect.name == "sqlite":
    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_table(database_url: str) -> None:
    """An empty table for a run, made before gunicorn starts (its workers import this module
    at the same time, and two CREATE TABLE on PostgreSQL can collide)."""
    setup = create_engine(_engine_url(database_url))
    with setup.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_floor_payouts"))
        connection.execute(text(SCHEMA[setup.dialect.name]))
    setup.dispose()


def _invoice(reference_id: str, payout_id: int) -> dict[str, Any]:
    form = request.form
    return {"data": {"type": "payout-invoice", "attributes": {
        "service": form["service"], "currency": form["currency"],
        "amount": float(form["amount"]), "reference_id": reference_id, "test_mode": True,
        "fields": {"account": form["field__account"]},
        "callback_url": "https://localhost/callbacks/paymega",
        "customer": {"reference_id": str(uuid.uuid4()), "name": form["customer_name"]},
        "metadata": {"payout_id": str(payout_id)}, "options": {"auto_process": False},
    }}}


@app.post("/payouts/new")
def create() -> Response:
    reference_id = str(uuid.uuid4())
    with engine.begin() as connection:
        payout_id = connection.execute(STORE, {"reference_id": reference_id,
                                               "amount": request.form["amount"]}).scalar_one()
    answer = provider.post(f"{provider_url}/payout-invoices",
                           json=_invoice(reference_id, payout_id), auth=provider_account,
                           timeout=(2, 5))
    invoice = answer.json()["data"]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
        connection.execute(ANSWER, {"status": invoice["attributes"]["status"],
                                    "invoice_id": invoice["id"], "id": payout_id})
    return redirect(f"/payouts/{payout_id}", 303)
