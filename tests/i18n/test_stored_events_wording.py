"""Stored events, failures and audit rows are codes with parameters, worded for the reader:
the same rows read in English, Russian and Ukrainian, and the kind of an error is its code,
never something read back out of a display text."""

from __future__ import annotations

import pytest

from tests.payouts.test_new_payout_submit import form_values
from webapp.extensions import db
from webapp.models import AuditEvent, Payout, PayoutEvent, Role, User
from webapp.payout_core.labels import failure_text

SENTENCE = {
    "en": "olga created payout #{id} for $10.00.",
    "ru": "olga создал(а) выплату №{id} на 10,00 $.",
    "uk": "olga створив(ла) виплату №{id} на 10,00 USD.",
}


@pytest.fixture
def created(make_user, client_for, sandbox):
    olga = make_user("olga", Role.OPERATOR)
    client = client_for("olga")
    values = form_values(client, "currency=USD&amount=10&service=test_usd")
    response = client.post("/payouts/new", data={**values, "field__account": "1234567",
                                                 "customer_name": "Ann Lee"})
    assert response.status_code == 303, response.data[:500]
    payout = db.session.scalar(db.select(Payout).where(Payout.created_by_id == olga.id))
    make_user("aud", Role.AUDITOR)
    return payout


@pytest.mark.parametrize("language", list(SENTENCE))
def test_the_audit_log_reads_as_sentences_in_the_readers_language(language, created,
                                                                   client_for):
    row = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "payout.created"))
    assert row.details == {"amount": "10.00000000", "currency": "USD"}  # parameters, no words
    auditor = db.session.scalar(db.select(User).where(User.username == "aud"))
    auditor.language = language
    db.session.commit()
    html = client_for("aud").get("/admin/audit").get_data(True)
    expected = SENTENCE[language].format(id=created.id)
    assert expected.replace("\u00a0", " ") in html.replace("\u00a0", " "), expected


@pytest.mark.parametrize(("language", "meaning"), [
    ("en", "The provider had an internal error."),
    ("ru", "У провайдера произошла внутренняя ошибка."),
    ("uk", "У провайдера сталася внутрішня помилка."),
])
def test_a_provider_failure_is_stored_as_a_code_and_worded_per_reader(
        language, meaning, make_user, make_payout, client_for, sandbox):
    olga = make_user("olga", Role.OPERATOR, language=language)
    sandbox.state.inject("create", "500_before")
    payout = make_payout(olga)
    db.session.refresh(payout)
    assert payout.last_error["kind"] == "ServerError" and payout.last_error["http_status"] == 500
    event = db.session.scalar(db.select(PayoutEvent).where(
        PayoutEvent.payout_id == payout.id, PayoutEvent.kind == "creation_unknown"))
    assert event.details["failure"]["kind"] == "ServerError"
    html = client_for("olga").get(f"/payouts/{payout.id}").get_data(True)
    assert meaning in html
    assert "Paymega answered" not in html and "ServerError" not in html


def test_the_error_kind_is_the_code_not_a_display_text(app):
    with app.test_request_context():
        assert failure_text({"kind": "Forbidden", "provider_message": "ServerError 500: …"}) == \
            "The provider refused access."
        assert failure_text({"kind": "ServerError 500: Paymega answered 500"}) == \
            "Unexpected error."


@pytest.mark.parametrize(("language", "badge", "meaning"), [
    ("en", "Awaiting approval", "Awaiting approval; not paid yet."),
    ("ru", "Ожидает одобрения", "Ожидает одобрения; ещё не выплачено."),
    ("uk", "Очікує схвалення", "Очікує схвалення; ще не виплачено."),
])
def test_the_status_says_where_the_money_is(language, badge, meaning, make_user, make_payout,
                                            client_for, sandbox):
    """Issue 21: a short badge for lists, and beside it on the payout's page what the status
    means for the money (a payout waiting for approval is not paid yet)."""
    olga = make_user("olga", Role.OPERATOR, language=language)
    payout = make_payout(olga)
    html = client_for("olga").get(f"/payouts/{payout.id}").get_data(True)
    assert f'data-status="awaiting_approval">{badge}</span>' in html
    assert f'<span class="status-money">{meaning}</span>' in html
