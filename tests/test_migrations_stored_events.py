"""The data migration of stored events and failures (b7e21c0de5a1): rows written as English
sentences by the first version become codes with parameters, and go back on a downgrade.
Runs on SQLite and, with TEST_DATABASE_URL, on a scratch PostgreSQL database."""

from __future__ import annotations

import json
from typing import Any

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.conftest import app_settings
from tests.test_migrations import scratch_database_url  # noqa: F401 (fixture)
from webapp import create_app
from webapp.extensions import db
from webapp.migrations_cli import enable as enable_migrations

BEFORE = "63c8e8f8413d"
AFTER = "b7e21c0de5a1"
SERVER_ERROR = ("ServerError 500: Paymega answered 500 INTERNAL SERVER ERROR: "
                "Internal server error.")
REFUSED_422 = "ValidationFailed 422: Paymega answered 422 UNPROCESSABLE ENTITY: amount: Too big."
EVENTS = [  # (kind, old message, old details) -> details after the migration
    ("failed_to_create", REFUSED_422, {"http_status": 422},
     {"failure": {"kind": "ValidationFailed", "http_status": 422,
                  "provider_message": "amount: Too big."}}),
    ("processing_unknown", "ProviderTimeout: Paymega did not answer in time (ReadTimeout).",
     None, {"failure": {"kind": "ProviderTimeout"}}),
    ("processing_unknown", f"{SERVER_ERROR}; ProviderTimeout: Paymega did not answer in time.",
     None, {"failure": {"kind": "ServerError", "http_status": 500,
                        "provider_message": "Internal server error.",
                        "then": {"kind": "ProviderTimeout"}}}),
    ("creation_unknown", "batch run interrupted", None,
     {"failure": {"kind": "BatchInterrupted"}}),
    ("creation_unknown", "no answer was stored", None, {"failure": {"kind": "NoAnswerStored"}}),
    ("first_approval", "above the approver's limit: a second manager must approve", None,
     {"above_limit": True}),
    ("rejected", "Wrong account number", None, {"reason": "Wrong account number"}),
    ("stale_update_ignored", "callback", {"provider_status": "processed", "updated": 5},
     {"source": "callback", "provider_status": "processed", "updated": 5}),
    ("approved_in_batch", "batch 7", None, {"batch_id": 7}),
    ("resubmitted", "#42", None, {"payout_id": 42}),
    ("create_retried", "not found by reference_id", None, None),
    ("polled", None, {"provider_status": "processing", "resolution": None},
     {"provider_status": "processing", "resolution": None}),
    ("callback", "something nobody expected", None,
     {"failure": {"kind": "LegacyText", "text": "something nobody expected"}}),
]
PAYOUT_ERRORS = [  # old payouts.last_error -> new
    (SERVER_ERROR, {"kind": "ServerError", "http_status": 500,
                    "provider_message": "Internal server error."}),
    ("batch run interrupted during create", {"kind": "BatchInterrupted"}),
    (None, None),
]
ROW_FAILURES = [  # old batch_rows.failure -> new
    (REFUSED_422, {"kind": "ValidationFailed", "http_status": 422,
                   "provider_message": "amount: Too big."}),
    ("failed at the provider", {"kind": "FailedAtProvider"}),
    ("processing refused", {"kind": "ProcessRefused"}),
    ("INSUFFICIENT_FUNDS", {"kind": "Resolution", "code": "INSUFFICIENT_FUNDS"}),
    ("Duplicate of row 3", {"kind": "LegacyText", "text": "Duplicate of row 3"}),
]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _insert_old_rows() -> None:
    run = db.session.execute
    run(text("INSERT INTO users (id, username, password_hash, timezone, disabled, created_at)"
             " VALUES (1, 'olga', 'x', 'UTC', false, CURRENT_TIMESTAMP)"))
    for number, (error, _new) in enumerate(PAYOUT_ERRORS, start=1):
        run(text("INSERT INTO payouts (id, reference_id, status, amount, currency, service_code,"
                 " service_snapshot, fields_masked, fields_encrypted, created_by_id, created_at,"
                 " updated_at, attempts, version, process_requests, last_error) VALUES (:id, :ref,"
                 " 'failed', 10, 'USD', 'test_usd', '{}', '{}', '', 1, CURRENT_TIMESTAMP,"
                 " CURRENT_TIMESTAMP, 1, 1, 1, :error)"),
            {"id": number, "ref": f"ref-{number}", "error": error})
    for number, (kind, message, details, _new) in enumerate(EVENTS, start=1):
        run(text("INSERT INTO payout_events (id, payout_id, at, kind, message, details) VALUES "
                 "(:id, 1, CURRENT_TIMESTAMP, :kind, :message, :details)"),
            {"id": number, "kind": kind, "message": message,
             "details": json.dumps(details) if details is not None else None})
    run(text("INSERT INTO batches (id, status, service_code, currency, service_snapshot, "
             "language, row_count, valid_count, error_count, total, created_by_id, created_at, "
             "updated_at, version) VALUES (1, 'done_with_failures', 'test_usd', 'USD', '{}', "
             "'en', 5, 5, 0, 50, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
    for number, (failure, _new) in enumerate(ROW_FAILURES, start=1):
        run(text("INSERT INTO batch_rows (id, batch_id, row_number, state, fields_masked, "
                 "attempt, failure) VALUES (:id, 1, :row, 'failed', '{}', 0, :failure)"),
            {"id": number, "row": number + 1, "failure": failure})
    db.session.commit()


def _column(table: str, column: str, as_json: bool = True) -> list[Any]:
    rows = db.session.execute(text(f"SELECT {column} FROM {table} ORDER BY id")).all()  # noqa: S608
    db.session.commit()  # no open transaction may hold a lock the next migration waits for
    return [_json(value) if as_json else value for (value,) in rows]


def test_stored_sentences_become_codes_and_come_back(
        scratch_database_url, sandbox) -> None:  # noqa: F811
    app = create_app(app_settings(scratch_database_url, sandbox.url))
    enable_migrations(app)
    with app.app_context():
        upgrade(revision=BEFORE)
        _insert_old_rows()
        upgrade(revision=AFTER)
        assert _column("payout_events", "details") == [new for *_old, new in EVENTS]
        assert _column("payouts", "last_error") == [new for _old, new in PAYOUT_ERRORS]
        assert _column("batch_rows", "failure") == [new for _old, new in ROW_FAILURES]

        downgrade(revision=BEFORE)
        messages = _column("payout_events", "message", as_json=False)
        assert messages[0].startswith("ValidationFailed 422: ") and "Too big." in messages[0]
        assert messages[3:10] == ["batch run interrupted during create", "no answer was stored",
                                  "above the approver's limit: a second manager must approve",
                                  "Wrong account number", "callback", "batch 7", "#42"]
        assert _column("batch_rows", "failure", as_json=False)[1:] == [
            "failed at the provider", "processing refused", "INSUFFICIENT_FUNDS",
            "Duplicate of row 3"]
        assert _column("payouts", "last_error", as_json=False)[1:] == [
            "batch run interrupted during create",
                                                         None]
        upgrade()  # and forward again, from the downgraded sentences
        assert _column("batch_rows", "failure") == [new for _old, new in ROW_FAILURES]
        assert _column("payouts", "last_error")[1:] == [new for _old, new in PAYOUT_ERRORS][1:]
        db.session.remove()
        db.engine.dispose()
