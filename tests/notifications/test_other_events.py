"""Batches and accounts: a waiting batch to the managers the policy allows, its decision to
its uploader; a guarded change to the other admins; a set-up link to its confirming admin."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, update

from tests.notifications.conftest import BASE_URL, body
from webapp.extensions import db
from webapp.models import Batch, BatchStatus, Notification, Role
from webapp.models.base import utcnow
from webapp.notifications import jobs

B = BatchStatus


def in_app(event: str) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(
        Notification.event == event)))


def waiting_batch(creator_id: int) -> Batch:
    batch = Batch(status=B.AWAITING_APPROVAL.value, service_code="test_usd", currency="USD",
                  service_snapshot={"code": "test_usd", "currency": "USD", "fields": []},
                  created_by_id=creator_id, total=Decimal("300.00"), valid_count=3,
                  row_count=3, submitted_at=utcnow())
    db.session.add(batch)
    db.session.commit()
    return batch


def test_a_waiting_batch_goes_to_the_managers_the_policy_allows_and_its_decision_back(
        person, smtp):
    uploader = person("olga", Role.OPERATOR, Role.MANAGER, language="ru")
    max_ = person("max", Role.MANAGER)
    person("small", Role.MANAGER, limits={"EUR": "10"})  # no USD limit
    person("ada", Role.ADMIN)
    batch = waiting_batch(uploader.id)
    jobs.run_once()
    assert smtp.recipients() == ["max@example.test"]
    assert in_app("batch_waiting") == {max_.id}
    message = smtp.to("max@example.test")[0]
    assert message["Subject"] == f"Batch #{batch.id} waits for your approval"
    assert f"{BASE_URL}/batches/{batch.id}" in body(message)
    jobs.run_once()
    assert len(smtp.messages) == 1

    smtp.messages.clear()
    db.session.execute(update(Batch).where(Batch.id == batch.id).values(
        status=B.REJECTED.value, rejected_by_id=max_.id, rejection_reason="Duplicate file"))
    db.session.commit()
    jobs.run_once()
    assert smtp.recipients() == ["olga@example.test"]
    text = body(smtp.to("olga@example.test")[0])
    assert "Отклонил(а) max. Причина: Duplicate file" in text


def test_a_guarded_account_change_goes_to_the_other_admins_only(person, smtp):
    from webapp.admin.guarded import request_roles

    asking = person("ada", Role.ADMIN)
    other = person("bob", Role.ADMIN, language="uk")
    target = person("tess", Role.OPERATOR)
    person("max", Role.MANAGER)
    change = request_roles(target, {Role.MANAGER}, asking)
    db.session.commit()
    assert change is not None
    jobs.run_once()
    assert smtp.recipients() == ["bob@example.test"]
    assert in_app("privilege_request") == {other.id}
    message = smtp.to("bob@example.test")[0]
    assert "tess" in message["Subject"] and f"{BASE_URL}/admin/pending" in body(message)


def test_a_set_up_link_is_reported_to_its_confirming_admin_only_and_never_mailed(person, smtp):
    from webapp.auth.setup_links import issue

    confirming = person("ada", Role.ADMIN)
    person("bob", Role.ADMIN)
    newcomer = person("tess", Role.OPERATOR)
    token = issue(newcomer, "create_user", confirming)
    db.session.commit()
    jobs.run_once()
    assert smtp.recipients() == ["ada@example.test"]
    assert in_app("setup_link_issued") == {confirming.id}
    message = smtp.to("ada@example.test")[0]
    assert token not in body(message) and token not in body(message, "html")
    assert f"{BASE_URL}/admin/users/{newcomer.id}" in body(message)


def test_above_the_first_limit_a_batch_goes_to_managers_whose_limit_covers(person, smtp):
    from webapp.batches.approval import approve_batch, fingerprint_of

    uploader = person("olga", Role.OPERATOR)
    first = person("first", Role.MANAGER, limits={"USD": "100"})
    small = person("small", Role.MANAGER, limits={"USD": "100"})
    big = person("big", Role.MANAGER, limits={"USD": "5000"})
    batch = waiting_batch(uploader.id)
    jobs.run_once()
    assert in_app("batch_waiting") == {first.id, small.id, big.id}
    smtp.messages.clear()
    assert not approve_batch(batch.id, first, fingerprint_of(batch)).fully_approved
    jobs.run_once()
    assert smtp.recipients() == ["big@example.test"]
    assert in_app("batch_second_approval") == {big.id}
    jobs.run_once()
    assert len(smtp.messages) == 1
