"""A database connection that dies in the middle of a request (restart, failover,
pg_terminate_backend): pre-ping replaces dead pooled connections at checkout, and a request
that lost its connection before committing or calling the provider runs once more instead of
answering 500. One that had committed is never rerun: it answers 503, saying so. Needs real
backends to kill: runs on its own PostgreSQL database whatever TEST_DATABASE_URL says (as the
cluster tests do)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import TEST_PASSWORD, CSRFClient, app_settings, login
from tests.production.cluster import postgres_database
from webapp.auth.passwords import hash_password
from webapp.extensions import db
from webapp.models import AuditEvent, Payout, Role, User
from webapp.provider.types import Invoice
from webapp.sandbox import SandboxServer


@pytest.fixture(scope="module")
def own_database() -> Iterator[str]:
    with postgres_database() as url:
        yield url


def kill_my_connection(database_url: str) -> None:
    """pg_terminate_backend on this request's own backend, from another connection."""
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.fixture
def pg_app(own_database: str, sandbox: SandboxServer,
           build_app: Callable[[dict[str, Any]], Flask]) -> Flask:
    app = build_app(app_settings(own_database, sandbox.url))
    app.test_client_class = CSRFClient
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = User(username="olga", password_hash=hash_password(TEST_PASSWORD))
        user.set_roles({Role.OPERATOR})
        db.session.add(user)
        db.session.commit()
    return app


def test_a_request_that_lost_its_connection_before_doing_anything_runs_once_more(
        pg_app: Flask, own_database: str) -> None:
    runs: list[str] = []

    @pg_app.before_request
    def lose_the_connection_once() -> None:
        runs.append("run")
        if len(runs) == 1:  # read something, then the backend is killed under us
            kill_my_connection(own_database)

    # Before: psycopg.OperationalError ("terminating connection due to administrator
    # command") reached the view: a 500 for a sign-in that had done nothing yet.
    answer = login(pg_app.test_client(), "olga")
    assert answer.status_code == 303
    assert runs == ["run", "run"]
    with pg_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "login")) == 1


def test_a_request_that_had_committed_is_never_run_again(pg_app: Flask,
                                                         own_database: str) -> None:
    runs: list[str] = []

    @pg_app.before_request
    def commit_then_lose_the_connection() -> None:
        runs.append("run")
        if len(runs) == 1:
            db.session.execute(text("SELECT 1"))
            db.session.commit()  # something a rerun would repeat
            kill_my_connection(own_database)

    answer = login(pg_app.test_client(), "olga")
    assert runs == ["run"]
    # Not rerun, and not a bare 500: a 503 saying the work may be partly saved.
    assert answer.status_code == 503 and "Retry-After" in answer.headers
    assert "may already be saved" in answer.get_data(as_text=True)


def test_dead_pooled_connections_are_replaced_at_checkout(pg_app: Flask,
                                                          own_database: str) -> None:
    with pg_app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()  # back to the pool, alive as far as the pool knows
    with psycopg.connect(own_database, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert login(pg_app.test_client(), "olga").status_code == 303


def test_a_create_whose_answer_was_lost_with_the_connection_is_settled_by_reference(
        pg_app: Flask, own_database: str, sandbox: SandboxServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The row is stored, the provider creates the invoice, then the backend dies before the
    answer is written (the chaos test's killed backends). Before: the payout stayed "awaiting
    approval" with no invoice, which no manager could approve ("not ready") and nothing
    looked up until the polling pass found it stale, and the operator got a 503. Now the
    payout is handed to recovery at once, which adopts the invoice by reference_id without
    creating it again, and the operator is shown their payout."""
    from tests.payouts.test_new_payout_submit import form_values
    from webapp.payout_core import create

    apply_answer = create.apply_invoice
    killed: list[str] = []

    def lose_the_connection_first(payout: Payout, invoice: Invoice, **how: Any) -> bool:
        if not killed:
            killed.append(invoice.id)
            kill_my_connection(own_database)
        return apply_answer(payout, invoice, **how)

    monkeypatch.setattr(create, "apply_invoice", lose_the_connection_first)
    client = pg_app.test_client()
    assert login(client, "olga").status_code == 303
    values = form_values(client, "currency=USD&amount=10&service=test_usd")
    answer = client.post("/payouts/new", data={**values, "field__account": "1234567"})

    with pg_app.app_context():
        [payout] = db.session.scalars(db.select(Payout))
        assert killed and answer.status_code == 303
        assert answer.headers["Location"] == f"/payouts/{payout.id}"
        kinds = [event.kind for event in payout.events]
        assert (payout.status, payout.provider_invoice_id) == ("awaiting_approval", killed[0])
        assert kinds == ["created", "creation_unknown", "adopted"]
    totals = sandbox.state.provider_totals()
    assert totals["create_requests"] == {payout.reference_id: 1}  # found, not created again
    assert totals["invoices"] == 1


def test_a_create_that_lost_its_connection_leaves_another_clicks_payout_alone(
        pg_app: Flask, own_database: str, sandbox: SandboxServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two clicks of one form race: the other click stored the payout and its create call
    may still be on its way. This one loses its connection while looking for it: it must
    not hand that payout to recovery (a look-up could find nothing yet and create it)."""
    from webapp.payout_core import create
    from webapp.payout_core.gateway import provider_client

    with pg_app.test_request_context():
        olga = db.session.scalar(db.select(User).filter_by(username="olga"))
        service = provider_client().prerequest("USD", Decimal("10")).service("test_usd")
        assert olga is not None and service is not None
        draft = create.PayoutDraft(service=service, currency="USD", amount=Decimal("10"),
                                   fields={"account": "1234567"}, submission_token="t-1")
        other, _ = create.store_payout(draft, olga, sending=True)  # its call in flight
        find = create.payout_for_submission
        killed: list[bool] = []

        def lose_the_connection_first(token: str) -> Payout | None:
            if not killed:
                killed.append(True)
                kill_my_connection(own_database)
            return find(token)

        monkeypatch.setattr(create, "payout_for_submission", lose_the_connection_first)
        with pytest.raises(DBAPIError):
            create.submit_payout(draft, olga)
        db.session.rollback()
        payout = db.session.get(Payout, other.id, populate_existing=True)
        assert payout is not None and killed
        assert (payout.status, [e.kind for e in payout.events]) == ("awaiting_approval",
                                                                   ["created"])
    assert sandbox.state.provider_totals()["create_requests"] == {}
