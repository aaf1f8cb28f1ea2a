"""Delivery: at most once across a crash, retried with backoff when nothing was sent,
digests that group, preferences that hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.notifications.conftest import BASE_URL, body, free_port
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import reject
from webapp.extensions import db
from webapp.models import Notification, Role
from webapp.models.base import utcnow
from webapp.models.notification import Digest, EmailState
from webapp.notifications import delivery, jobs
from webapp.notifications.events import Event
from webapp.notifications.preferences import set_preference


class Crash(BaseException):
    """The worker dies (kill -9, power): nothing after this line of code runs."""


def rows() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def test_a_crash_between_sending_and_recording_never_sends_a_second_copy(
        person, make_payout, smtp, monkeypatch):
    creator = person("olga", Role.OPERATOR)
    person("max", Role.MANAGER)
    make_payout(creator)

    def crash(_ids: object) -> None:
        raise Crash

    monkeypatch.setattr(delivery, "record_sent", crash)
    with pytest.raises(Crash):
        jobs.run_once()
    db.session.rollback()
    assert len(smtp.messages) == 1  # the server has it; our record does not say "sent"
    monkeypatch.undo()

    [row] = rows()
    assert row.email_state == EmailState.SENDING
    later = utcnow() + timedelta(days=1)
    jobs.run_once()
    delivery.deliver(row.id, now=later)
    for notification_id in delivery.due_ids(later):
        delivery.deliver(notification_id, now=later)
    assert len(smtp.messages) == 1
    sent = smtp.messages[0][1]
    assert sent["Message-ID"] == row.email_message_id == "<notification-1@example.test>"


def test_nothing_sent_means_a_retry_with_backoff_then_exactly_one_e_mail(
        app, person, make_payout, smtp):
    creator = person("olga", Role.OPERATOR)
    person("max", Role.MANAGER)
    working = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    make_payout(creator)
    jobs.run_once()
    [row] = rows()
    assert (row.email_state, row.email_attempts) == (EmailState.PENDING, 1)
    assert row.email_due_at > utcnow() + timedelta(seconds=50)  # backoff: not before a minute

    app.config["SMTP_URL"] = working
    assert delivery.deliver(row.id) == "later"
    assert smtp.messages == []
    assert delivery.deliver(row.id, now=utcnow() + timedelta(minutes=2)) == "sent"
    assert delivery.deliver(row.id, now=utcnow() + timedelta(minutes=3)) == "done"
    assert len(smtp.messages) == 1
    assert rows()[0].email_state == EmailState.SENT


def test_after_the_last_attempt_the_e_mail_is_given_up_and_the_inbox_keeps_it(
        app, person, make_payout, smtp):
    creator = person("olga", Role.OPERATOR)
    person("max", Role.MANAGER)
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    make_payout(creator)
    jobs.run_once()
    [row] = rows()
    moment = utcnow()
    for _ in range(delivery.MAX_ATTEMPTS):
        moment += timedelta(hours=5)
        delivery.deliver(row.id, now=moment)
    [row] = rows()
    assert (row.email_state, row.email_attempts) == (EmailState.FAILED, delivery.MAX_ATTEMPTS)
    assert row.read_at is None  # still unread in the inbox


def test_hourly_digest_groups_waiting_payouts_and_leaves_out_decided_ones(
        person, make_payout, smtp):
    creator = person("olga", Role.OPERATOR)
    hourly = person("hana", Role.MANAGER)
    other = person("max", Role.MANAGER)
    set_preference(hourly.id, Event.PAYOUT_WAITING, True, Digest.HOURLY)
    db.session.commit()
    first, second, third = (make_payout(creator, amount=a) for a in ("1.00", "2.00", "3.00"))
    jobs.run_once()
    assert [m for m in smtp.to("hana@example.test")] == []
    assert len(smtp.to("max@example.test")) == 3  # immediate for the other manager
    reject(third.id, other, "not needed", fingerprint_of(third))

    assert delivery.send_digests(utcnow() + timedelta(minutes=30)) == {}  # not an hour yet
    assert delivery.send_digests(utcnow() + timedelta(minutes=61)) == {hourly.id: "sent"}
    [digest] = smtp.to("hana@example.test")
    assert digest["Subject"] == "2 payouts wait for your approval"
    text = body(digest)
    assert f"{BASE_URL}/payouts/{first.id}" in text and f"{BASE_URL}/payouts/{second.id}" in text
    assert f"/payouts/{third.id}" not in text
    assert delivery.send_digests(utcnow() + timedelta(days=3)) == {}  # never twice
    assert len(smtp.to("hana@example.test")) == 1


def test_daily_digest_waits_a_day_and_is_in_the_managers_language(person, make_payout, smtp):
    creator = person("olga", Role.OPERATOR)
    daily = person("dana", Role.MANAGER, language="ru")
    set_preference(daily.id, Event.PAYOUT_WAITING, True, Digest.DAILY)
    db.session.commit()
    make_payout(creator)
    jobs.run_once()
    assert delivery.send_digests(utcnow() + timedelta(hours=2)) == {}
    assert delivery.send_digests(utcnow() + timedelta(hours=25)) == {daily.id: "sent"}
    [digest] = smtp.to("dana@example.test")
    assert "ожидает вашего одобрения" in digest["Subject"]


def test_e_mail_off_for_an_event_keeps_it_in_the_inbox_only(person, make_payout, smtp):
    creator = person("olga", Role.OPERATOR)
    quiet = person("quiet", Role.MANAGER)
    person("max", Role.MANAGER)
    set_preference(quiet.id, Event.PAYOUT_WAITING, False)
    db.session.commit()
    make_payout(creator)
    jobs.run_once()
    assert smtp.recipients() == ["max@example.test"]
    states = {r.user_id: r.email_state for r in rows()}
    assert states[quiet.id] == EmailState.NONE


def test_without_smtp_everything_stays_in_the_inbox(app, person, make_payout):
    creator = person("olga", Role.OPERATOR)
    manager = person("max", Role.MANAGER)
    assert not app.config.get("SMTP_URL")
    make_payout(creator)
    jobs.run_once()
    assert [(r.user_id, r.email_state) for r in rows()] == [(manager.id, EmailState.NONE)]


def test_a_broken_notification_or_mail_server_never_blocks_a_payout(
        app, person, make_payout, monkeypatch, sandbox):
    from webapp.approvals.services import approve
    from webapp.notifications import recipients

    creator = person("olga", Role.OPERATOR)
    manager = person("max", Role.MANAGER)
    app.config.update(SMTP_URL=f"smtp://127.0.0.1:{free_port()}")  # nobody listens
    try:
        def broken(*_args: object) -> list[object]:
            raise RuntimeError("a bug in the recipients")

        monkeypatch.setattr(recipients, "plan", broken)
        monkeypatch.setattr("webapp.notifications.fanout.plan", broken)
        payout = make_payout(creator)
        jobs.run_once()  # logs the bug, raises nothing
        outcome = approve(payout.id, manager, fingerprint_of(payout))
        assert outcome.fully_approved and outcome.processed_ok
        assert rows() == []
        monkeypatch.undo()
        jobs.run_once()  # fixed: the events are tried again and what still applies is stored
        [row] = rows()
        assert (row.event, row.user_id) == ("payout_approved", creator.id)
        assert row.email_state == EmailState.PENDING and row.email_attempts == 1  # retry due
    finally:
        app.config.update(SMTP_URL=None)


def test_a_committed_timeline_event_queues_the_fan_out_at_once(
        app, person, make_payout, monkeypatch):
    """The hook in payout_core/timeline.py: after the commit (never before, never on a
    rollback) the worker is asked to fan out; with inline jobs the sweep does it instead."""
    from webapp.payout_core.timeline import add_event

    creator = person("olga", Role.OPERATOR)
    payout = make_payout(creator)
    queued: list[str] = []
    monkeypatch.setattr(jobs, "fan_out_job", lambda: queued.append("fan_out"))
    monkeypatch.setitem(app.config, "TASKS_IMMEDIATE", False)
    add_event(payout, "check_requested")
    assert queued == []  # not inside the payout's transaction
    db.session.rollback()
    db.session.commit()
    assert queued == []  # a rolled-back event asks for nothing
    add_event(payout, "check_requested")
    db.session.commit()
    assert queued == ["fan_out"]
    db.session.commit()
    assert queued == ["fan_out"]  # one ask per commit that carried events


def test_a_request_asks_for_the_fan_out_once_however_many_commits_it_makes(
        app, person, make_payout, monkeypatch):
    """A create commits twice (the row, then the answer), each with timeline events: one ask
    when the request ends is enough, and it still comes after the commits."""
    from webapp.payout_core.timeline import add_event

    creator = person("olga", Role.OPERATOR)
    payout = make_payout(creator)
    queued: list[str] = []
    monkeypatch.setattr(jobs, "fan_out_job", lambda: queued.append("fan_out"))
    monkeypatch.setitem(app.config, "TASKS_IMMEDIATE", False)
    with app.test_request_context("/payouts/new", method="POST"):
        add_event(payout, "check_requested")
        db.session.commit()
        add_event(payout, "check_requested")
        db.session.commit()
        assert queued == []
        app.do_teardown_request()
        assert queued == ["fan_out"]
