"""Both transition tables, table-driven: every legal move is allowed, every other pair refused
with a typed error; the one status writer of each refuses illegal moves; the database refuses
a status outside the Enum (CHECK constraints); status groups live beside the tables only."""

from __future__ import annotations

import ast
import itertools
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import (
    BATCH_TRANSITIONS,
    TRANSITIONS,
    Batch,
    BatchStatus,
    IllegalBatchTransition,
    IllegalTransition,
    PayoutStatus,
    Role,
    check_batch_transition,
    check_transition,
)

S = PayoutStatus
B = BatchStatus
PROVIDER_END = {S.PROCESSED, S.PARTIALLY_PROCESSED, S.FAILED}
ROOT = Path(__file__).resolve().parents[1]

# The legal moves, written out here on their own so a change to either table is a decision.
PAYOUT_MOVES = {
    S.AWAITING_APPROVAL: {S.CREATION_UNKNOWN, S.FAILED_TO_CREATE, S.APPROVED, S.REJECTED,
                          S.PROCESSING, *PROVIDER_END},
    S.CREATION_UNKNOWN: {S.AWAITING_APPROVAL, S.FAILED_TO_CREATE, S.PROCESSING, *PROVIDER_END},
    S.APPROVED: {S.PROCESSING, S.PROCESSING_UNKNOWN, S.AWAITING_APPROVAL, *PROVIDER_END},
    S.PROCESSING_UNKNOWN: {S.APPROVED, S.PROCESSING, S.AWAITING_APPROVAL, *PROVIDER_END},
    S.PROCESSING: set(PROVIDER_END),
}
BATCH_MOVES = {
    B.DRAFT: {B.AWAITING_APPROVAL},
    B.AWAITING_APPROVAL: {B.APPROVED, B.REJECTED},
    B.APPROVED: {B.RUNNING},
    B.RUNNING: {B.DONE, B.DONE_WITH_FAILURES},
    B.DONE: {B.DONE_WITH_FAILURES},
    B.DONE_WITH_FAILURES: {B.AWAITING_APPROVAL},  # retried rows need a fresh approval
}

PAYOUT_PAIRS = list(itertools.product(S, S))
BATCH_PAIRS = list(itertools.product(B, B))


@pytest.mark.parametrize(("current", "target"), PAYOUT_PAIRS, ids=lambda s: s.value)
def test_payout_transition_table(current: S, target: S) -> None:
    legal = target in PAYOUT_MOVES.get(current, set())
    assert (target in TRANSITIONS[current]) == legal
    if legal:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), BATCH_PAIRS, ids=lambda s: s.value)
def test_batch_transition_table(current: B, target: B) -> None:
    legal = target in BATCH_MOVES.get(current, set())
    assert (target in BATCH_TRANSITIONS[current]) == legal
    if legal:
        check_batch_transition(current, target)
    else:
        with pytest.raises(IllegalBatchTransition):
            check_batch_transition(current, target)


def test_the_payout_status_writer_refuses_an_illegal_move(app, make_user, make_payout,
                                                          sandbox) -> None:
    from webapp.payout_core.state import move

    payout = make_payout(make_user("olga", Role.OPERATOR))
    with pytest.raises(IllegalTransition):
        move(payout.id, [S.AWAITING_APPROVAL], S.PROCESSING_UNKNOWN)
    assert move(payout.id, [S.AWAITING_APPROVAL], S.REJECTED)
    db.session.commit()
    with pytest.raises(IllegalTransition):  # final means final
        move(payout.id, [S.REJECTED], S.AWAITING_APPROVAL)


def test_the_batch_status_writer_refuses_an_illegal_move(app, make_user) -> None:
    from webapp.batches.status import move_batch

    creator = make_user("olga", Role.OPERATOR)
    batch = Batch(status=B.DRAFT.value, service_code="test_usd", currency="USD",
                  service_snapshot={}, created_by_id=creator.id, total=Decimal(0))
    db.session.add(batch)
    db.session.commit()
    with pytest.raises(IllegalBatchTransition):
        move_batch(batch.id, [B.DRAFT], B.RUNNING)
    assert move_batch(batch.id, [B.DRAFT], B.AWAITING_APPROVAL)
    assert not move_batch(batch.id, [B.DRAFT], B.AWAITING_APPROVAL)  # no longer a draft
    db.session.commit()


def _stored_row(table: str, make_user, make_payout) -> None:
    creator = make_user("olga", Role.OPERATOR)
    if table == "payouts":
        make_payout(creator)
        return
    db.session.add(Batch(status=B.DRAFT.value, service_code="test_usd", currency="USD",
                         service_snapshot={}, created_by_id=creator.id, total=Decimal(0)))
    db.session.commit()


@pytest.mark.parametrize(("table", "statuses"), [
    ("payouts", [s.value for s in S]),
    ("batches", [b.value for b in B]),
])
def test_status_columns_refuse_values_outside_the_enum(app, make_user, make_payout, sandbox,
                                                       table: str, statuses: list[str]) -> None:
    constraints = [c for c in db.metadata.tables[table].constraints
                   if str(getattr(c, "name", "")).endswith("status_known")]
    assert len(constraints) == 1
    sql = str(constraints[0].sqltext)
    assert all(f"'{value}'" in sql for value in statuses)
    _stored_row(table, make_user, make_payout)
    for value in statuses:  # every known value is accepted ...
        db.session.execute(text(f"UPDATE {table} SET status = :v"), {"v": value})  # noqa: S608
    db.session.rollback()
    with pytest.raises(IntegrityError):  # ... and nothing else
        db.session.execute(text(f"UPDATE {table} SET status = 'bogus'"))  # noqa: S608
    db.session.rollback()


STATUS_VALUES = {s.value for s in S} | {b.value for b in B}
# Words that are both our status and a provider's (or a row state): a collection of provider
# statuses is not one of ours.
SHARED_WORDS = {"processing", "processed", "partially_processed", "pending", "failed"}
GROUP_HOMES = {"webapp/models/status.py", "webapp/models/batch.py"}


ENUM_NAMES = {"S", "B", "PayoutStatus", "BatchStatus"}


def _members(node: ast.AST) -> list[str]:
    """`S.APPROVED`-style members of our status Enums among a literal's elements."""
    elements = node.elts if isinstance(node, ast.Set | ast.List | ast.Tuple) else []
    unwrapped = [e.value if isinstance(e, ast.Attribute) and e.attr == "value" else e
                 for e in elements]
    return [e.attr for e in unwrapped
            if isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name)
            and e.value.id in ENUM_NAMES]


def _literal_groups(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Set | ast.List | ast.Tuple):
            words = {e.value for e in node.elts
                     if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            ours = words & STATUS_VALUES
            if len(ours) >= 2 and ours - SHARED_WORDS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {sorted(ours)}")
            members = _members(node)
            if len(members) >= 2:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {members}")
    return found


TEMPLATE_GROUP = re.compile(r"status\s+(?:not\s+)?in\s+[\(\[]\s*'[a-z_]+'\s*,")


def test_status_groups_live_beside_the_tables_only() -> None:
    found = []
    for path in sorted((ROOT / "webapp").rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if relative in GROUP_HOMES or relative.startswith("webapp/sandbox/"):
            continue
        found += _literal_groups(path)
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if TEMPLATE_GROUP.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number} {line.strip()[:80]}")
    assert found == []
