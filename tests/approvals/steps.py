"""Small steps shared by the queue-form and step-up tests: process calls counted at the
sandbox, a payout's stored status, and a step-up that has gone stale."""

from __future__ import annotations

import time
from typing import Any

from flask.testing import FlaskClient

from webapp.auth.stepup import STEP_UP_KEY
from webapp.extensions import db
from webapp.models import Payout


def process_requests(sandbox: Any) -> int:
    """Every process request that reached the provider, for any invoice."""
    return sum(sandbox.state.provider_totals()["process_requests"].values())


def status_of(payout_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Payout, payout_id).status


def stale_step_up(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session[STEP_UP_KEY] = time.time() - 3600
