"""Steps shared by tests that go through two-admin account actions and set-up links."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import PendingChange

LINK_RE = re.compile(r'<code class="setup-link">https?://[^/]+(/account/setup/[A-Za-z0-9_\-]+)</code>')


def pending_ids() -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(PendingChange.id).where(
        PendingChange.status == "pending").order_by(PendingChange.id)))


def confirm(admin: FlaskClient, change_id: int) -> str | None:
    """`admin` confirms the change; returns the set-up link's path when one is shown."""
    response = admin.post(f"/admin/pending/{change_id}/confirm")
    if response.status_code == 303:
        return None
    assert response.status_code == 200, response.data[:300]
    found = LINK_RE.search(response.get_data(as_text=True))
    assert found, response.data[:1000]
    return found.group(1)


def confirm_all(admin: FlaskClient) -> list[str]:
    """`admin` confirms every pending change; the set-up links shown, in order."""
    links = [confirm(admin, change_id) for change_id in pending_ids()]
    return [link for link in links if link]


def choose_password(browser: FlaskClient, link: str, password: str) -> str:
    """The user opens the link and sets `password`; returns where the link sends them next:
    the sign-in page, or (a manager or admin without an authenticator) enrolment."""
    assert browser.get(link).status_code == 200
    response = browser.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 303, response.data
    assert response.location.endswith(("/login", "/account/2fa/setup")), response.location
    return str(response.location)
