"""Reading the forms the recipient pages and the prefilled new-payout page render, and posting
them back as a browser would (every input of the form, the chosen button's action)."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient

from webapp.extensions import db
from webapp.models import Payout, Recipient

INPUT = re.compile(r"<input\b[^>]*>")
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def form_inputs(page: str, form_id: str) -> dict[str, str]:
    """name → value of every input (and textarea) inside the form with `form_id`."""
    start = page.index(f'id="{form_id}"')
    body = page[start:page.index("</form>", start)]
    values: dict[str, str] = {}
    for tag in INPUT.findall(body):
        attrs = dict(ATTR.findall(tag))
        # The CSRF token travels in the header the test client adds (as htmx sends it).
        if "name" in attrs and attrs.get("type") != "checkbox" and attrs["name"] != "csrf_token":
            values[attrs["name"]] = html.unescape(attrs.get("value", ""))
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', body):
        values[name] = html.unescape(text.strip())
    return values


def post_new_payout(client: FlaskClient, query: str, **changes: str) -> Any:
    """Open /payouts/new?query, then Continue and Create with the filled-in values."""
    page = client.get(f"/payouts/new?{query}").get_data(as_text=True)
    assert 'id="payout-form"' in page, page[-3000:]
    values = {**form_inputs(page, "payout-form"), **changes}
    values.pop("action", None)
    review = client.post("/payouts/new", data={**values, "action": "continue"})
    text = review.get_data(as_text=True)
    assert 'id="review-form"' in text, text[-3000:]
    reviewed = form_inputs(text, "review-form")
    return client.post("/payouts/new", data={**reviewed, "action": "create"})


def payouts() -> list[Payout]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Payout).order_by(Payout.id)))


def make_recipient(client: FlaskClient, name: str, reference: str | None = None) -> Recipient:
    response = client.post("/recipients/new", data={"name": name, "reference": reference or ""})
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    found = db.session.scalar(db.select(Recipient).filter_by(name=name))
    assert found is not None
    return found


def add_details(client: FlaskClient, recipient: Recipient, currency: str, amount: str,
                service: str, **fields: str) -> Any:
    query = f"currency={currency}&amount={amount}&service={service}"
    page = client.get(f"/recipients/{recipient.id}/details/new?{query}").get_data(as_text=True)
    assert 'id="details-form"' in page, page[-3000:]
    values = form_inputs(page, "details-form")
    values.update({f"field__{k}": v for k, v in fields.items()})
    return client.post(f"/recipients/{recipient.id}/details/new", data=values)
