"""The one approval policy, as tables: every relationship case and every other rule.

`decide()` is pure, so these tests need no database: they build `Case`s by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from webapp.approvals.policy import (
    Author,
    Case,
    Decision,
    Refusal,
    Subject,
    decide,
    decide_reject,
    related,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MANAGER, CREATOR, RESENDER, RETRIER = 1, 2, 3, 4
ADMIN_A, ADMIN_B = 10, 11


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


# (name, events on the creator's account, events on the manager's account, related?)
# An event is (who administered the account, when).
RELATIONSHIP_CASES: list[tuple[str, tuple, tuple, bool]] = [
    ("nobody administered either account", (), (), False),
    ("the manager made the creator's account 10 days ago", ((MANAGER, days_ago(10)),), (), True),
    ("the manager made it 29.9 days ago", ((MANAGER, days_ago(29.9)),), (), True),
    ("the manager made it 30 days ago, to the second", ((MANAGER, days_ago(30)),), (), True),
    ("the manager made it 31 days ago", ((MANAGER, days_ago(31)),), (), False),
    ("an admin made both accounts this week",
     ((ADMIN_A, days_ago(3)),), ((ADMIN_A, days_ago(5)),), True),
    ("one admin made the creator, another the manager",
     ((ADMIN_A, days_ago(3)),), ((ADMIN_B, days_ago(5)),), False),
    ("the same admin, but the manager's account 40 days ago",
     ((ADMIN_A, days_ago(3)),), ((ADMIN_A, days_ago(40)),), False),
    ("the same admin, but the creator's account 40 days ago",
     ((ADMIN_A, days_ago(40)),), ((ADMIN_A, days_ago(3)),), False),
    ("asking and confirming admins: one of them in both",
     ((ADMIN_A, days_ago(1)), (ADMIN_B, days_ago(1))), ((ADMIN_B, days_ago(2)),), True),
    ("an admin reset the manager's second factor and re-roled the creator",
     ((ADMIN_A, days_ago(20)),), ((ADMIN_A, days_ago(2)),), True),
    ("an event dated in the future does not count", ((MANAGER, NOW + timedelta(days=1)),), (),
     False),
]


@pytest.mark.parametrize(("creator_events", "manager_events", "expected"),
                         [case[1:] for case in RELATIONSHIP_CASES],
                         ids=[case[0] for case in RELATIONSHIP_CASES])
def test_relationship_rule(creator_events: tuple, manager_events: tuple, expected: bool) -> None:
    assert related(MANAGER, [CREATOR], {CREATOR: creator_events}, manager_events, NOW) is expected
    case = make_case(author_account_events={CREATOR: creator_events},
                     approver_account_events=manager_events)
    assert (decide(case).refusal is Refusal.RELATED) is expected


def test_the_rule_covers_every_author() -> None:
    """Whoever resent or retried counts like the creator."""
    events = {CREATOR: (), RESENDER: ((MANAGER, days_ago(2)),)}
    case = make_case(authors={Author.CREATOR: CREATOR, Author.RESENDER: RESENDER},
                     author_account_events=events)
    assert decide(case).refusal is Refusal.RELATED


def make_case(**changes: Any) -> Case:
    """A case that is approved finally, changed by `changes`."""
    values: dict[str, Any] = {
        "subject": Subject.PAYOUT, "approver_id": MANAGER, "approver_is_manager": True,
        "approver_roles_conflict": False, "authors": {Author.CREATOR: CREATOR},
        "author_account_events": {CREATOR: ()}, "approver_account_events": (), "now": NOW,
        "amount": Decimal("100"), "has_limit": True, "limit_amount": Decimal("100"),
    }
    values.update(changes)
    return Case(**values)


FINAL = Decision(final=True)
WAIT = Decision(final=False)

# (name, changes to the base case, expected decision)
RULE_CASES: list[tuple[str, dict[str, Any], Decision]] = [
    ("within the limit", {}, FINAL),
    ("explicit no limit", {"limit_amount": None, "amount": Decimal("10") ** 9}, FINAL),
    ("no limit row: fails closed", {"has_limit": False}, Decision(Refusal.NO_LIMIT)),
    ("no limit row, tiny amount", {"has_limit": False, "amount": Decimal("0.01")},
     Decision(Refusal.NO_LIMIT)),
    ("a cent above the limit: waits for a covering manager", {"amount": Decimal("100.01")}, WAIT),
    ("above the limit, already said yes", {"amount": Decimal("101"),
                                           "approved_before_by_you": True},
     Decision(Refusal.ALREADY_APPROVED_BY_YOU)),
    ("limit raised after a first yes: now final", {"approved_before_by_you": True}, FINAL),
    ("not a manager", {"approver_is_manager": False}, Decision(Refusal.NOT_MANAGER)),
    ("admin and manager at once", {"approver_roles_conflict": True},
     Decision(Refusal.ROLE_CONFLICT)),
    ("own payout", {"approver_id": CREATOR}, Decision(Refusal.OWN)),
    ("resent it", {"authors": {Author.CREATOR: CREATOR, Author.RESENDER: MANAGER}},
     Decision(Refusal.RESENT_BY_YOU)),
    ("retried the rows", {"subject": Subject.BATCH,
                          "authors": {Author.CREATOR: CREATOR, Author.RETRIER: MANAGER}},
     Decision(Refusal.RETRIED_BY_YOU)),
    ("uploaded the batch", {"subject": Subject.BATCH, "approver_id": CREATOR},
     Decision(Refusal.OWN)),
    ("no longer waiting", {"waiting": False}, Decision(Refusal.NOT_WAITING)),
    ("not confirmed by the provider", {"ready": False}, Decision(Refusal.NOT_READY)),
    ("changed since shown", {"fingerprint_ok": False}, Decision(Refusal.CHANGED)),
    ("stale step-up", {"step_up_fresh": False}, Decision(Refusal.STEP_UP_NEEDED)),
    ("people before state: own and no longer waiting", {"approver_id": CREATOR,
                                                        "waiting": False},
     Decision(Refusal.OWN)),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in RULE_CASES],
                         ids=[c[0] for c in RULE_CASES])
def test_rules(changes: dict[str, Any], expected: Decision) -> None:
    assert decide(make_case(**changes)) == expected


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, None),
    ({"approver_id": CREATOR}, Refusal.OWN),
    ({"approver_is_manager": False}, Refusal.NOT_MANAGER),
    ({"waiting": False}, Refusal.NOT_WAITING),
    ({"has_limit": False}, None),  # rejecting pays nothing: limits do not apply
    ({"author_account_events": {CREATOR: ((MANAGER, days_ago(1)),)}}, None),
], ids=["plain", "own", "not manager", "not waiting", "no limit", "related"])
def test_reject_rules(changes: dict[str, Any], expected: Refusal | None) -> None:
    assert decide_reject(make_case(**changes)) is expected


@pytest.mark.parametrize("refusal", list(Refusal))
@pytest.mark.parametrize("subject", list(Subject))
def test_every_refusal_has_a_sentence(refusal: Refusal, subject: Subject, app: Any) -> None:
    with app.test_request_context():
        assert len(refusal.message(subject)) > 20
