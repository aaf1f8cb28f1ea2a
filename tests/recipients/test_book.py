"""The recipient book: created and changed through its pages with the service's own dynamic
form, values encrypted at rest and masked in lists, roles, audit, search."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.recipients.helpers import add_details, make_recipient
from webapp.extensions import db
from webapp.models import AuditEvent, Recipient, RecipientDetail, Role, User
from webapp.payout_core.prerequest import clear_cache
from webapp.payout_core.secrets import decrypt_fields
from webapp.sandbox import SandboxServer

IBAN = "DE89370400440532013000"


@pytest.fixture(autouse=True)
def _fresh_prerequests(app: Flask, sandbox: SandboxServer) -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.action.like("recipient.%")).order_by(AuditEvent.id)))


def saved_iban(client: FlaskClient) -> Recipient:
    recipient = make_recipient(client, "Acme GmbH", "acme-de")
    response = add_details(client, recipient, "EUR", "100", "iban_eur", iban=IBAN,
                           beneficiary_name="Acme GmbH")
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    return recipient


def test_the_details_form_is_the_services_dynamic_form(operator_client: FlaskClient,
                                                       sandbox: SandboxServer) -> None:
    recipient = make_recipient(operator_client, "Acme GmbH", "acme-de")
    page = operator_client.get(f"/recipients/{recipient.id}/details/new?currency=EUR&amount=100"
                               ).get_data(as_text=True)
    assert 'data-service="iban_eur"' in page  # the provider's current services are listed
    refused = add_details(operator_client, recipient, "EUR", "100", "iban_eur",
                          iban="not an iban", beneficiary_name="Acme GmbH")
    assert refused.status_code == 200 and "Not in the format" in refused.get_data(as_text=True)
    missing = add_details(operator_client, recipient, "EUR", "100", "iban_eur", iban=IBAN)
    assert missing.status_code == 200  # beneficiary_name is required by the service
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(RecipientDetail)) == 0


def test_values_are_encrypted_at_rest_and_masked_in_lists(operator_client: FlaskClient,
                                                          sandbox: SandboxServer) -> None:
    recipient = saved_iban(operator_client)
    [detail] = recipient.details
    raw = db.session.execute(text("SELECT fields_encrypted, fields_masked, search_tail "
                                  "FROM recipient_details")).one()
    assert IBAN not in raw[0] and IBAN not in str(raw[1]) and "3000" in str(raw[1])
    assert raw[2].strip() == "3000"  # only the last digits, for the search
    assert decrypt_fields(detail.fields_encrypted)["iban"] == IBAN
    listing = operator_client.get("/recipients/").get_data(as_text=True)
    assert IBAN not in listing and "•••• 3000" in listing
    page = operator_client.get(f"/recipients/{recipient.id}").get_data(as_text=True)
    assert IBAN not in page
    full = operator_client.get(f"/recipients/{recipient.id}?full=1").get_data(as_text=True)
    assert IBAN in full
    assert "recipient.details_viewed" in audit_actions()


def test_auditors_read_masked_and_admins_see_no_payment_details(
        operator_client: FlaskClient, login_as: Callable[..., FlaskClient],
        sandbox: SandboxServer) -> None:
    recipient = saved_iban(operator_client)
    auditor = login_as(Role.AUDITOR, username="aude")
    admin = login_as(Role.ADMIN, username="adam")
    page = f"/recipients/{recipient.id}"
    for url in ("/recipients/", page, f"{page}?full=1"):
        seen = auditor.get(url).get_data(as_text=True)
        assert IBAN not in seen and "3000" in seen, url
        assert "pay-saved" not in seen
        shown = admin.get(url).get_data(as_text=True)
        assert "Acme GmbH" in shown and "3000" not in shown and "iban_eur" not in shown, url
    assert auditor.post("/recipients/new", data={"name": "X"}).status_code == 403
    assert admin.post(f"/recipients/{recipient.id}/edit", data={"name": "X"}).status_code == 403


def test_every_change_is_audited(operator_client: FlaskClient, sandbox: SandboxServer) -> None:
    recipient = saved_iban(operator_client)
    assert operator_client.post(f"/recipients/{recipient.id}/edit", data={
        "name": "Acme AG", "reference": "acme-de", "email": "pay@acme.example"}
    ).status_code == 303
    [detail] = recipient.details
    assert operator_client.post(
        f"/recipients/{recipient.id}/details/{detail.id}/remove").status_code == 303
    assert operator_client.post(f"/recipients/{recipient.id}/archive").status_code == 303
    assert audit_actions() == ["recipient.created", "recipient.detail_added",
                               "recipient.updated", "recipient.detail_removed",
                               "recipient.archived"]
    updated = db.session.scalars(db.select(AuditEvent).filter_by(
        action="recipient.updated")).one()
    assert updated.details["name"] == {"from": "Acme GmbH", "to": "Acme AG"}
    detail_added = db.session.scalars(db.select(AuditEvent).filter_by(
        action="recipient.detail_added")).one()
    assert IBAN not in str(detail_added.details)


def test_a_reference_belongs_to_one_recipient(operator_client: FlaskClient) -> None:
    make_recipient(operator_client, "Ann", "ann-1")
    again = operator_client.post("/recipients/new", data={"name": "Ann Two",
                                                          "reference": "ann-1"})
    assert again.status_code == 200
    assert "already has this reference" in again.get_data(as_text=True)


def test_search_by_name_reference_or_last_digits(operator_client: FlaskClient,
                                                 sandbox: SandboxServer) -> None:
    saved_iban(operator_client)
    make_recipient(operator_client, "Bob Smith", "bob")
    for query, found in (("acme", True), ("ACME-DE", True), ("3000", True), ("bob", False),
                         ("0440", False)):
        page = operator_client.get(f"/recipients/?q={query}").get_data(as_text=True)
        assert ("Acme GmbH" in page) is found, query


def test_save_recipient_from_a_payout(make_user: Callable[..., User],
                                      make_payout: Callable[..., object],
                                      client_for: Callable[[str], FlaskClient],
                                      sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR)
    payout = make_payout(olga, fields={"account": "99887766"})
    client = client_for("olga")
    response = client.post(f"/recipients/from-payout/{payout.id}")
    assert response.status_code == 303
    db.session.expire_all()
    recipient = db.session.scalars(db.select(Recipient)).one()
    assert recipient.name == "Rita Novak"
    assert decrypt_fields(recipient.details[0].fields_encrypted) == {"account": "99887766"}
    page = client.get(f"/recipients/{recipient.id}").get_data(as_text=True)
    assert f'href="/payouts/{payout.id}"' in page  # the payout is in their history


CARD = "5123810000000008"


def test_a_saved_card_number_is_never_shown_in_full(operator_client: FlaskClient,
                                                    sandbox: SandboxServer) -> None:
    """Not in the book's full view, not in the payout form it fills: typed again."""
    recipient = make_recipient(operator_client, "Card holder", "holder")
    assert add_details(operator_client, recipient, "UAH", "100", "card_uah",
                       card_number=CARD).status_code == 303
    db.session.expire_all()
    [detail] = recipient.details
    assert decrypt_fields(detail.fields_encrypted) == {"card_number": CARD}
    full = operator_client.get(f"/recipients/{recipient.id}?full=1").get_data(as_text=True)
    assert CARD not in full and "512381******0008" in full
    page = operator_client.get(f"/payouts/new?saved={detail.id}").get_data(as_text=True)
    assert 'id="payout-form"' in page and CARD not in page
    assert "type them again" in page
