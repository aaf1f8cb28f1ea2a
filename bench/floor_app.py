"""The floor for the throughput comparison: the same 50 rows of the payouts list, read with
one raw SQL keyset query and rendered with a bare Jinja table. No login, no session, no ORM,
no forms, no layout: what serving this page costs with Flask and the database alone.

Run with gunicorn: BENCH_FLOOR_DATABASE_URL=... gunicorn -w 2 bench.floor_app:app
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string, request
from sqlalchemy import create_engine, text

PAGE_SIZE = 50
FIRST_PAGE = text(
    "SELECT p.id, p.reference_id, p.status, p.amount, p.currency, p.service_code,"
    " p.customer_name, p.created_at, u.username FROM payouts p"
    " JOIN users u ON u.id = p.created_by_id"
    " ORDER BY p.created_at DESC, p.id DESC LIMIT :size"
)
AFTER = text(
    "SELECT p.id, p.reference_id, p.status, p.amount, p.currency, p.service_code,"
    " p.customer_name, p.created_at, u.username FROM payouts p"
    " JOIN users u ON u.id = p.created_by_id"
    " WHERE (p.created_at, p.id) < (:created_at, :id)"
    " ORDER BY p.created_at DESC, p.id DESC LIMIT :size"
)
TABLE = """<!doctype html><title>Payouts</title><table>
<tr><th>ID</th><th>Reference</th><th>Status</th><th>Amount</th><th>Service</th>
<th>Recipient</th><th>Created</th><th>By</th></tr>
{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.reference_id }}</td><td>{{ r.status }}</td>
<td>{{ r.amount }} {{ r.currency }}</td><td>{{ r.service_code }}</td><td>{{ r.customer_name }}</td>
<td>{{ r.created_at }}</td><td>{{ r.username }}</td></tr>
{% endfor %}</table>"""


def _engine_url(url: str) -> str:
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


app = Flask(__name__)
engine = create_engine(_engine_url(os.environ.get("BENCH_FLOOR_DATABASE_URL", "sqlite://")))


@app.get("/payouts/")
def payouts() -> str:
    params: dict[str, object] = {"size": PAGE_SIZE}
    query = FIRST_PAGE
    if "after_id" in request.args:
        query = AFTER
        params.update(created_at=request.args["after_created_at"],
                      id=int(request.args["after_id"]))
    with engine.connect() as connection:
        rows = connection.execute(query, params).all()
    return render_template_string(TABLE, rows=rows)
