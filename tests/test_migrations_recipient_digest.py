"""The migration that gives payouts their recipient digest (f26b1d0e4a52): payouts a new one
can still repeat get the digest a create would store, so the duplicate check (one indexed
lookup) finds them; payouts outside every window, or written under another SECRET_KEY, keep
none. Runs on SQLite and, with TEST_DATABASE_URL, on a scratch PostgreSQL database."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.conftest import app_settings
from tests.test_migrations import scratch_database_url  # noqa: F401 (fixture)
from webapp import create_app
from webapp.extensions import db
from webapp.migrations_cli import enable as enable_migrations
from webapp.models.base import utcnow
from webapp.payout_core.duplicates import possible_duplicates
from webapp.payout_core.recipient_digest import recipient_digest
from webapp.payout_core.secrets import encrypt_fields

BEFORE = "e25a7c0f3d21"
AFTER = "f26b1d0e4a52"
FIELDS = {"account": "4111111111111111"}
PAYOUTS = [  # id, status, age in days, encrypted with this app's key
    (1, "processed", 3, True),            # recent and paid: may be repeated
    (2, "awaiting_approval", 90, True),   # old but still queued: may be repeated
    (3, "processed", 90, True),           # outside every window
    (4, "processed", 3, False),           # another SECRET_KEY wrote it
]


def _insert_old_payouts(foreign_token: str) -> None:
    run = db.session.execute
    run(text("INSERT INTO users (id, username, password_hash, timezone, disabled, created_at)"
             " VALUES (1, 'olga', 'x', 'UTC', false, CURRENT_TIMESTAMP)"))
    for payout_id, status, age, ours in PAYOUTS:
        run(text("INSERT INTO payouts (id, reference_id, status, amount, currency, service_code,"
                 " service_snapshot, fields_masked, fields_encrypted, created_by_id, created_at,"
                 " updated_at, attempts, version, process_requests) VALUES (:id, :ref, :status,"
                 " 10.5, 'USD', 'test_usd', '{}', '{}', :encrypted, 1, :created, :created, 1, 1,"
                 " 0)"),
            {"id": payout_id, "ref": f"ref-{payout_id}", "status": status,
             "encrypted": encrypt_fields(FIELDS) if ours else foreign_token,
             "created": utcnow() - timedelta(days=age)})
    db.session.commit()


def _digests() -> list[str | None]:
    rows = db.session.execute(text("SELECT recipient_digest FROM payouts ORDER BY id")).all()
    db.session.commit()
    return [digest for (digest,) in rows]


def test_recent_and_queued_payouts_get_their_digest(scratch_database_url, sandbox  # noqa: F811
                                                    ) -> None:
    foreign = create_app(app_settings(scratch_database_url, sandbox.url,
                                      SECRET_KEY="another-secret-key-" + "x" * 32))
    with foreign.app_context():
        foreign_token = encrypt_fields(FIELDS)
    app = create_app(app_settings(scratch_database_url, sandbox.url))
    enable_migrations(app)
    with app.test_request_context():
        upgrade(revision=BEFORE)
        _insert_old_payouts(foreign_token)
        upgrade(revision=AFTER)
        expected = recipient_digest("test_usd", "USD", FIELDS, Decimal("10.50"))
        assert _digests() == [expected, expected, None, None]
        found = possible_duplicates("test_usd", "USD", Decimal("10.5"), FIELDS)
        assert [p.id for p in found] == [2, 1]
        db.session.commit()

        downgrade(revision=BEFORE)
        upgrade()
        assert _digests() == [expected, expected, None, None]
        db.session.remove()
        db.engine.dispose()


def test_an_amount_read_back_inexactly_digests_as_typed(app) -> None:
    """SQLite keeps amounts as floating point: 70329669.60 comes back as 70329669.59999999.
    The digest rounds to the currency's precision first, so both are one amount."""
    with app.app_context():
        typed = recipient_digest("test_usd", "USD", FIELDS, Decimal("70329669.60"))
        assert recipient_digest("test_usd", "USD", FIELDS, Decimal("70329669.59999999")) == typed
        assert recipient_digest("test_usd", "USD", FIELDS, Decimal("70329669.6")) == typed
        assert recipient_digest("test_usd", "USD", FIELDS, Decimal("70329669.61")) != typed
