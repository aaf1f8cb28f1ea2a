"""Hypothesis sends hostile query strings to every GET route in the app's URL map, as each role
and as a stranger: never a 5xx. Found this way first by hand: integers past 64 bits in
`creator=`, `page=` and keyset cursors were 500s on the lists, exports, queue and audit log."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.batches.conftest import HEADER, csv_bytes, service
from tests.browser.desk import ROLE_USERS, build_desk
from tests.conftest import app_settings
from tests.security.fuzz_inputs import value as hostile_text
from webapp import create_app
from webapp.auth.setup_links import issue
from webapp.batches.services import create_batch, read_file
from webapp.extensions import db
from webapp.models import Role, User
from webapp.recipients.services import save_from_payout

ROLES = [*ROLE_USERS, None]
EXAMPLES_PER_ROUTE = int(__import__("os").environ.get("FUZZ_GET_EXAMPLES", "40"))
# Every query parameter a GET view or its filter form reads (checked below against the code).
PARAMS = ["page", "after", "creator", "currency", "service", "status", "q", "created_from",
          "created_to", "amount_min", "amount_max", "action", "user", "state", "amount",
          "next", "format", "sort", "full", "saved", "again", "fix"]
BIG_INTS = [str(2**31), str(2**63), str(2**64 + 1), "-" + str(2**63 + 1), "9" * 400, "0",
            "-1", "1e400000", "0x7fffffff", " 1", "1_000"]
# Whitespace to str.strip but not to a regex; NUL, which PostgreSQL refuses in text.
ODD_BLANKS = ["\x1f", "\x1c", "\u2028", "\u3000", " \t ", "\x00", "a\x00b"]
DATES = ["9999-12-31", "0001-01-01", "10000-01-01", "2024-02-30", "2024-13-01", "-1-01-01"]


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


CURSORS = [_cursor(t) for t in [
    "2024-01-01T00:00:00+00:00|" + "9" * 30, "2024-01-01T00:00:00+00:00|-" + str(2**64),
    "9999-12-31T23:59:59-14:00|1", "0001-01-01T00:00:00+14:00|1", "x|1", "|", "2024-01-01|",
]] + ["%%%", "=" * 5, "\u00e9" * 3]
param_value = st.one_of(st.sampled_from(BIG_INTS + ODD_BLANKS), st.sampled_from(DATES),
                        st.sampled_from(CURSORS), hostile_text)
query = st.lists(st.tuples(st.sampled_from(PARAMS), param_value), min_size=1, max_size=4)


def _get_rules() -> list[tuple[str, str, tuple[str, ...]]]:
    app = create_app(app_settings("sqlite://", "http://127.0.0.1:9"))
    return sorted(
        (rule.endpoint, rule.rule, tuple(sorted(rule.arguments)))
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint != "static"
    )


GET_RULES = _get_rules()


@pytest.mark.parametrize(("endpoint", "rule", "arguments"), GET_RULES,
                         ids=[r[0] for r in GET_RULES])
def test_hostile_query_strings_never_5xx(endpoint: str, rule: str, arguments: tuple[str, ...],
                                         app: Flask, make_user: Callable[..., User],
                                         make_payout: Callable[..., Any],
                                         client_for: Callable[[str], FlaskClient]) -> None:
    desk = build_desk(make_user, make_payout)
    chosen = service()
    report = read_file("pay.csv", csv_bytes([["1001", "10.00", "Ann", "x"]], HEADER), chosen,
                       "USD", "en")
    batch = create_batch(desk.users[Role.OPERATOR], chosen, "USD", "pay.csv", report, "en")
    recipient = save_from_payout(desk.waiting, desk.users[Role.OPERATOR])
    ids = {"payout_id": desk.waiting.id, "batch_id": batch.id,
           "user_id": desk.users[Role.OPERATOR].id, "filename": "x",
           "recipient_id": recipient.id}
    if "token" in arguments:  # a live set-up link, so its page is the real form, not "expired"
        ids["token"] = issue(make_user("newcomer", Role.OPERATOR), "create_user",
                             desk.users[Role.ADMIN])
        db.session.commit()
    if "run_id" in arguments:  # a finished reconciliation run with a difference in it
        from webapp.models import ReconciliationDifference
        from webapp.models.base import utcnow
        from webapp.reconciliation import runner

        run = runner.create_run(*runner.day_bounds(utcnow()), requested_by_id=None)
        runner.execute(run.id)
        db.session.add(ReconciliationDifference(run_id=run.id, kind="amount", currency="USD",
                                                desk_value="10", provider_value="12"))
        db.session.commit()
        ids["run_id"] = run.id
    clients = {role: client_for(ROLE_USERS[role]) if role else app.test_client()
               for role in ROLES}
    with app.test_request_context():
        url = app.url_for(endpoint, **{name: ids[name] for name in arguments})
    if "token" in arguments:
        assert clients[None].get(url).status_code == 200  # the link works before the fuzzing

    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(role=st.sampled_from(ROLES), pairs=query, htmx=st.booleans())
    def get_hostile(role: Role | None, pairs: list[tuple[str, str]], htmx: bool) -> None:
        headers = {"HX-Request": "true"} if htmx else {}
        target = f"{url}?{urlencode(pairs)}"
        answer = clients[role].get(target, headers=headers)
        assert answer.status_code < 500, (role, target, answer.status_code,
                                          answer.get_data()[:300])

    get_hostile()


def test_every_get_route_is_fuzzed() -> None:
    endpoints = {endpoint for endpoint, _rule, _args in GET_RULES}
    assert {"payouts.index", "payouts.totals", "payouts.export_csv", "payouts.export_xlsx",
            "approvals.queue", "admin.audit", "batches.rows", "new_payout.new"} <= endpoints


def test_the_fuzzed_parameters_cover_what_the_views_read() -> None:
    """A new `request.args.get("x")` in a view joins PARAMS, or this fails."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "webapp"
    read = set()
    for path in root.rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        read.update(re.findall(r"request\.args\.get\(\"(\w+)\"", path.read_text("utf-8")))
    assert read <= set(PARAMS), read - set(PARAMS)


# The reported reproductions, every hostile value on every parameter of the lists that read it.
REPORTED = [
    (Role.OPERATOR, "/payouts/", ["creator", "after", "created_from", "created_to",
                                  "amount_min", "amount_max", "status"]),
    (Role.OPERATOR, "/payouts/totals", ["creator", "created_from", "created_to", "amount_min"]),
    (Role.OPERATOR, "/payouts/export.csv", ["creator", "created_from", "created_to"]),
    (Role.OPERATOR, "/payouts/export.xlsx", ["creator", "created_to"]),
    (Role.MANAGER, "/approvals/", ["creator", "currency", "service"]),
    (Role.ADMIN, "/admin/audit", ["page", "user", "action"]),
    (Role.OPERATOR, "/batches/{batch}/rows", ["page", "state"]),
    (Role.OPERATOR, "/batches/", ["page"]),
]


@pytest.mark.parametrize(("role", "path", "params"), REPORTED,
                         ids=[f"{r[1]}" for r in REPORTED])
def test_reported_query_values_never_5xx(role: Role, path: str, params: list[str], app: Flask,
                                         make_user: Callable[..., User],
                                         client_for: Callable[[str], FlaskClient]) -> None:
    user = make_user(ROLE_USERS[role], role)
    chosen = service()
    report = read_file("pay.csv", csv_bytes([["1001", "10.00", "Ann", "x"]], HEADER), chosen,
                       "USD", "en")
    batch = create_batch(user if role == Role.OPERATOR else make_user("olga"), chosen, "USD",
                         "pay.csv", report, "en")
    client = client_for(user.username)
    url = path.format(batch=batch.id)
    for name in params:
        for raw in BIG_INTS + DATES + CURSORS + ODD_BLANKS:
            answer = client.get(f"{url}?{urlencode({name: raw})}")
            assert answer.status_code < 500, (url, name, raw, answer.get_data()[:300])
