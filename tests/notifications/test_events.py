"""Each event reaches exactly the right people, in their language, over a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import wait_for
from tests.notifications.conftest import BASE_URL, body
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import approve, reject
from webapp.extensions import db
from webapp.models import AccountChange, Notification, Payout, PayoutStatus, Role
from webapp.models.base import utcnow
from webapp.notifications import jobs
from webapp.payout_core.polling import run_sync_pass
from webapp.payout_core.state import move
from webapp.payout_core.timeline import add_event

S = PayoutStatus
CARD = "4111111111111111"


def in_app(event: str) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(
        Notification.event == event)))


def test_a_waiting_payout_goes_to_exactly_the_managers_the_policy_allows(
        person, make_payout, smtp):
    creator = person("olga", Role.OPERATOR, Role.MANAGER)  # a manager who created it
    max_ = person("max", Role.MANAGER, language="en")
    mila = person("mila", Role.MANAGER, language="ru")
    petro = person("petro", Role.MANAGER, language="uk")
    person("eur_only", Role.MANAGER, limits={"EUR": "1000"})  # no UAH limit: fails closed
    related = person("related", Role.MANAGER)
    db.session.add(AccountChange(user_id=creator.id, kind="create_user", by_id=related.id))
    person("ada", Role.ADMIN)
    person("oleg", Role.OPERATOR)
    db.session.commit()

    payout = make_payout(creator, amount="100.00", currency="UAH", service="card_uah",
                         fields={"card_number": CARD})
    jobs.run_once()

    assert smtp.recipients() == ["max@example.test", "mila@example.test", "petro@example.test"]
    assert in_app("payout_waiting") == {max_.id, mila.id, petro.id}
    english, russian, ukrainian = (smtp.to(f"{n}@example.test")[0]
                                   for n in ("max", "mila", "petro"))
    assert english["Subject"] == f"Payout #{payout.id} waits for your approval"
    assert russian["Subject"] == f"Выплата #{payout.id} ожидает вашего одобрения"
    assert ukrainian["Subject"] == f"Виплата #{payout.id} чекає на ваше схвалення"
    assert (russian["Content-Language"], ukrainian["Content-Language"]) == ("ru", "uk")
    link = f"{BASE_URL}/payouts/{payout.id}"
    for message in (english, russian, ukrainian):
        text, html = body(message), body(message, "html")
        assert link in text and f'href="{link}"' in html
        assert CARD not in text and CARD not in html  # masked recipient only
        assert "100.00 UAH" in text and "411111******1111" in text
    jobs.run_once()  # a second sweep sends nothing again
    assert len(smtp.messages) == 3


def test_above_the_first_limit_the_second_approval_goes_to_managers_whose_limit_covers(
        person, make_payout, smtp):
    creator = person("olga", Role.OPERATOR)
    first = person("first", Role.MANAGER, limits={"USD": "100"})
    small = person("small", Role.MANAGER, limits={"USD": "100"})
    big = person("big", Role.MANAGER, limits={"USD": "5000"})
    payout = make_payout(creator, amount="500.00")
    jobs.run_once()
    assert in_app("payout_waiting") == {first.id, small.id, big.id}
    smtp.messages.clear()

    outcome = approve(payout.id, first, fingerprint_of(payout))
    assert not outcome.fully_approved
    jobs.run_once()
    assert smtp.recipients() == ["big@example.test"]
    assert in_app("payout_second_approval") == {big.id}
    assert "second approval" in smtp.to("big@example.test")[0]["Subject"]


def test_approval_and_the_final_status_go_to_the_creator_only(person, make_payout, smtp):
    creator = person("olga", Role.OPERATOR, language="uk")
    manager = person("max", Role.MANAGER)
    payout = make_payout(creator)
    jobs.run_once()
    smtp.messages.clear()

    approve(payout.id, manager, fingerprint_of(payout))
    assert wait_for(lambda: (run_sync_pass(force=True),
                             db.session.get(Payout, payout.id, populate_existing=True).status
                             == S.PROCESSED)[1])
    jobs.run_once()
    assert smtp.recipients() == ["olga@example.test", "olga@example.test"]
    subjects = sorted(m["Subject"] for m in smtp.to("olga@example.test"))
    assert subjects == sorted([f"Виплату #{payout.id} схвалено",
                               f"Виплату #{payout.id} проведено"])
    assert in_app("payout_approved") == {creator.id}
    assert in_app("payout_final") == {creator.id}


def test_a_rejection_tells_the_creator_the_reason(person, make_payout, smtp):
    creator = person("olga", Role.OPERATOR)
    manager = person("max", Role.MANAGER)
    payout = make_payout(creator)
    jobs.run_once()
    smtp.messages.clear()
    reject(payout.id, manager, f"Wrong account {CARD}", fingerprint_of(payout))
    jobs.run_once()
    assert smtp.recipients() == ["olga@example.test"]
    text = body(smtp.to("olga@example.test")[0])
    assert "Rejected by max. Reason: Wrong account" in text
    assert CARD not in text and "411111******1111" in text


def test_a_provider_failure_tells_the_creator(person, make_payout, smtp):
    creator = person("olga", Role.OPERATOR, language="ru")
    manager = person("max", Role.MANAGER)
    payout = make_payout(creator, fields={"account": "4242",
                                          "test_details_payout_status": "process failed"})
    jobs.run_once()
    smtp.messages.clear()
    approve(payout.id, manager, fingerprint_of(payout))
    assert wait_for(lambda: (run_sync_pass(force=True),
                             db.session.get(Payout, payout.id, populate_existing=True).status
                             == S.FAILED)[1])
    jobs.run_once()
    failed = [m for m in smtp.to("olga@example.test") if "не выполнена" in m["Subject"]]
    assert len(failed) == 1 and "declined_error" in body(failed[0])
    assert smtp.to("max@example.test") == []


def test_an_unknown_outcome_that_lasts_goes_to_the_creator_and_admins(
        app, person, make_payout, smtp):
    creator = person("olga", Role.OPERATOR)
    admin = person("ada", Role.ADMIN)
    person("max", Role.MANAGER)
    payout = make_payout(creator)
    moved = move(payout.id, [S.AWAITING_APPROVAL], S.CREATION_UNKNOWN)
    assert moved
    event = add_event(payout, "creation_unknown", status_from=S.AWAITING_APPROVAL.value,
                      status_to=S.CREATION_UNKNOWN.value)
    db.session.commit()
    jobs.run_once()
    assert in_app("payout_stuck") == set()  # not yet: it has not lasted
    event.at = utcnow() - timedelta(minutes=app.config["NOTIFY_STUCK_MINUTES"] + 1)
    db.session.commit()
    smtp.messages.clear()
    jobs.run_once()
    jobs.run_once()
    assert in_app("payout_stuck") == {creator.id, admin.id}
    assert smtp.recipients() == ["ada@example.test", "olga@example.test"]
