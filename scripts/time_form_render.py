"""Median and p99 of 100 renders of the service form fragment, per language and service.

Run: `.venv/bin/python scripts/time_form_render.py` (SQLite in a temp dir, the sandbox on
loopback, the pre-request cached as in normal use; the Flask test client, no network).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import TEST_PASSWORD, CSRFClient, app_settings, login
from webapp import create_app
from webapp.auth.passwords import hash_password
from webapp.extensions import db
from webapp.models import Role, User
from webapp.sandbox import start_sandbox

SERVICES = [("test_usd", "USD", "10"), ("card_uah", "UAH", "500"), ("swift_gbp", "GBP", "100")]
RUNS = 100


def main() -> None:
    sandbox = start_sandbox(port=0)
    app = create_app(app_settings(f"sqlite:///{tempfile.mkdtemp()}/t.sqlite", sandbox.url))
    with app.app_context():
        db.create_all()
        user = User(username="olga", password_hash=hash_password(TEST_PASSWORD))
        user.set_roles({Role.OPERATOR})
        db.session.add(user)
        db.session.commit()
    app.test_client_class = CSRFClient
    client = app.test_client()
    login(client, "olga")
    for language in ("en", "ru", "uk"):
        for service, currency, amount in SERVICES:
            url = f"/payouts/new?currency={currency}&amount={amount}&service={service}"
            headers = {"HX-Request": "true", "Accept-Language": language}
            client.get(url, headers=headers)  # warm: templates compiled, pre-request cached
            times = []
            for _ in range(RUNS):
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            times.sort()
            print(f"{language} {service:<10} fragment median {statistics.median(times):.2f} ms"
                  f"  p99 {times[98]:.2f} ms")
    sandbox.stop()


if __name__ == "__main__":
    main()
