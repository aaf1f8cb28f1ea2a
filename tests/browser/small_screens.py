"""What the small-screen and live-view tests share: a 360 px phone and a batch that has run."""

from __future__ import annotations

from flask import Flask

from tests.batches.conftest import accounts, csv_bytes, service
from webapp.batches.approval import approve_batch, fingerprint_of
from webapp.batches.jobs import run_batch
from webapp.batches.services import create_batch, read_file, submit_batch
from webapp.models import Batch, User

SMALL_PHONE = {"width": 360, "height": 780}


def uploaded_batch(creator: User, rows: list[list[str]], language: str = "ru") -> Batch:
    """A submitted batch of test_usd rows (read by the real parser, labels in `language`)."""
    chosen = service()
    report = read_file("pay.csv", csv_bytes(rows), chosen, "USD", language)
    batch = create_batch(creator, chosen, "USD", "выплаты-за-ноябрь.csv", report, language)
    assert submit_batch(batch, creator)
    return batch


def ran_batch(app: Flask, creator: User, manager: User) -> int:
    """A batch with a row in error, approved by `manager` and run to the end."""
    rows = [*accounts(3), ["not-digits", "10.00", "Особа з дуже довгим ім'ям", "fee"]]
    batch = uploaded_batch(creator, rows)
    assert approve_batch(batch.id, manager, fingerprint_of(batch)).fully_approved
    previous = app.config.get("BATCH_RATE_PER_SECOND")
    app.config["BATCH_RATE_PER_SECOND"] = 1000.0
    try:
        run_batch(batch.id)
    finally:
        app.config["BATCH_RATE_PER_SECOND"] = previous
    return batch.id
