"""Every page, POST error state and htmx fragment, for every role, in the pseudo-locale `xx`.

In `xx` each catalog string is accented and wrapped (tests/i18n/pseudo.py), so its text holds no
plain ASCII word. Any ASCII word still visible (text, `title`, `aria-label`, `placeholder`,
`alt`) is either data (names, amounts, references, the provider's own labels, codes in capitals)
or a string that never went through the catalog: the test fails with the page and the text.

Routes are taken from the app's URL map, so a new route is crawled without being listed here;
a route whose URL arguments the world below cannot fill fails the test (see `uncovered`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.conftest import csrf_client, login
from tests.i18n.pseudo import PSEUDO, WTFORMS_TEMPLATE, build_catalog, register_locale
from webapp.extensions import db
from webapp.models import Payout, Role, User
from webapp.models.status import PayoutStatus

# Routes that never answer with a page for a person: files (checked in tests/tracking and
# tests/i18n/test_exports_locale.py), probes, the provider's callback.
NOT_PAGES = {"static", "observability.healthz", "observability.readyz", "observability.metrics",
             "payouts.export_csv", "payouts.export_xlsx", "batches.template_csv_file",
             "batches.template_xlsx_file", "batches.errors_file", "batches.failed_file",
             "callbacks.paymega"}
# Posted last: they end the crawler's own session.
SESSION_ENDING = {"auth.logout", "auth.end_all_sessions"}
ROLES = {"operator": Role.OPERATOR, "manager": Role.MANAGER, "admin": Role.ADMIN,
         "auditor": Role.AUDITOR}
BUTTONS = {"submit", "button", "reset"}
VISIBLE_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}
# Shown as they are in every language: the brand, and names of languages in their own words.
NOT_OURS = {"Payouts", "desk", "English"}
TOKEN = re.compile(r"[^\s,;:()\[\]{}«»\"“”/|·•—–=+*<>!?⟦⟧]+")
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


class _VisibleText(HTMLParser):
    """Visible text and accessible names, element by element. Skipped: scripts, styles, `<code>`
    (codes stay codes) and anything marked as being in another language (`lang="ru"` …)."""

    def __init__(self, page_language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_language = page_language
        self.parts: list[str] = []
        self._stack: list[bool] = []  # per open element: is its content skipped?

    def _skipping(self) -> bool:
        return bool(self._stack) and self._stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        language = values.get("lang")
        skip = self._skipping() or tag in {"script", "style", "code"} or (
            language is not None and language != self.page_language)
        if not skip:
            self.parts += [v for k, v in attrs if k in VISIBLE_ATTRIBUTES and v]
            button_text = values.get("value") if values.get("type") in BUTTONS else None
            if tag == "input" and button_text:
                self.parts.append(button_text)
        if tag not in {"br", "img", "input", "meta", "link", "hr", "source", "col", "wbr"}:
            self._stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in {"br", "img", "input", "meta", "link", "hr", "source", "col", "wbr"} \
                and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.parts.append(" ".join(data.split()))


def foreign_text(html: str, data_words: set[str]) -> list[str]:
    """The visible pieces holding an ASCII word that is neither ours (pseudo) nor data."""
    parser = _VisibleText(PSEUDO)
    parser.feed(html)
    found = []
    for part in parser.parts:
        for token in TOKEN.findall(part):
            token = token.strip(".'’-_#%&")
            if any(c.isdigit() for c in token) or token.isupper() or token in data_words:
                continue
            if ASCII_WORD.search(token) and token not in NOT_OURS:
                found.append(part)
                break
    return found


@dataclass
class Crawl:
    """What was rendered and what leaked, by state (`GET /url`, `POST /url {..} [htmx]`)."""

    states: int = 0
    pages: set[str] = field(default_factory=set)
    leaks: dict[str, list[str]] = field(default_factory=dict)

    def check(self, label: str, url_rule: str, response: Any, data_words: set[str]) -> None:
        if response.mimetype != "text/html" or not response.data:
            return
        self.states += 1
        self.pages.add(url_rule)
        left = foreign_text(response.get_data(as_text=True), data_words)
        if left:
            self.leaks[label] = sorted(set(left))


@pytest.fixture(scope="session")
def pseudo_catalogs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Ours, and WTForms' own messages (which ru and uk take from WTForms' catalogs)."""
    return (build_catalog(tmp_path_factory.mktemp("pseudo-locale")),
            build_catalog(tmp_path_factory.mktemp("pseudo-wtforms"), WTFORMS_TEMPLATE,
                          "wtforms"))


@pytest.fixture
def pseudo_app(app: Flask, pseudo_catalogs: tuple[Path, Path],
               monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The test app speaking `xx` too (its catalogs in directories of their own)."""
    from webapp import form_translations

    register_locale()
    ours, wtforms_messages = pseudo_catalogs
    babel_settings = app.extensions["babel"]
    monkeypatch.setattr(babel_settings, "translation_directories",
                        [*babel_settings.translation_directories, str(ours)])
    monkeypatch.setattr(form_translations, "messages_path", lambda: str(wtforms_messages))
    monkeypatch.setattr(form_translations, "_loaded", {})
    monkeypatch.setitem(app.config, "LANGUAGES", [*app.config["LANGUAGES"], PSEUDO])
    yield app


@dataclass
class World:
    ids: dict[str, list[int]]
    users: dict[str, str]  # role -> username of the crawler
    data_words: set[str]


def _words_of(*values: Any) -> set[str]:
    words: set[str] = set()
    for value in values:
        if isinstance(value, dict):
            words |= _words_of(*value.keys(), *value.values())
        elif isinstance(value, (list, tuple, set)):
            words |= _words_of(*value)
        elif isinstance(value, str):
            words |= {t.strip(".'’-_#%&") for t in TOKEN.findall(value)}
    return words


def _provider_words() -> set[str]:
    """The sandbox's own texts (service codes and names, field labels and hints, its error
    messages): the provider's data, shown as the provider sends it."""
    import ast

    from webapp import sandbox

    words: set[str] = set()
    for module in Path(sandbox.__file__).parent.glob("*.py"):  # its catalogue and its errors
        tree = ast.parse(module.read_text(encoding="utf-8"))
        words |= _words_of([node.value for node in ast.walk(tree)
                            if isinstance(node, ast.Constant) and isinstance(node.value, str)])
    # A service the pre-request leaves out is named from its code ("swift_gbp" → "Swift").
    return words | {part.capitalize() for word in words for part in word.split("_")}


@pytest.fixture
def world(pseudo_app: Flask, make_user: Callable[..., User],
          make_payout: Callable[..., Payout]) -> World:
    olga = make_user("olga", Role.OPERATOR, language=PSEUDO)
    newcomer = make_user("tess", Role.OPERATOR)
    manager = make_user("max", Role.MANAGER, language=PSEUDO)
    admin = make_user("ada", Role.ADMIN, language=PSEUDO)
    second_admin = make_user("bob", Role.ADMIN)
    make_user("aud", Role.AUDITOR, language=PSEUDO)
    payouts = [make_payout(olga) for _ in PayoutStatus]
    payouts.append(make_payout(olga, amount="1234.50", currency="UAH", service="test_uah")
                   if _offers("UAH") else make_payout(olga, amount="1234.50"))
    for payout, status in zip(payouts, PayoutStatus, strict=False):
        db.session.execute(update(Payout).where(Payout.id == payout.id).values(status=status))
    db.session.commit()
    from webapp.approvals.services import reject

    rejected = make_payout(olga)
    reject(rejected.id, manager, "Wrong account")
    db.session.commit()

    from webapp.admin.guarded import request_roles

    change = request_roles(db.session.get(User, second_admin.id), {Role.ADMIN}, admin)
    db.session.commit()
    with pseudo_app.test_request_context():  # uploads happen in a request (WTForms' catalog)
        batch_ids = _batches(olga)
    _every_event_and_audit_action(payouts[0], olga, manager)
    from webapp.auth.setup_links import issue

    setup_token = issue(newcomer, "create_user", admin)  # the page a newcomer's link opens
    db.session.commit()
    users = list(db.session.scalars(db.select(User.id)))
    recipient, detail = _saved_recipient(olga, payouts[0])
    from webapp.models import Notification
    from webapp.notifications import jobs as notification_jobs

    notification_jobs.run_once()  # every role's inbox holds what the events above caused
    notifications = list(db.session.scalars(db.select(Notification.id)))
    run_id, difference_ids = _reconciliation(payouts[0])
    return World(
        ids={"run_id": [run_id], "difference_id": difference_ids,
             "payout_id": [p.id for p in payouts] + [rejected.id], "batch_id": batch_ids,
             "user_id": users, "change_id": [change.id] if change else [],
             "token": [setup_token], "currency": ["USD"], "recipient_id": [recipient],
             "detail_id": [detail], "notification_id": notifications},
        users={"operator": "olga", "manager": "max", "admin": "ada", "auditor": "aud"},
        data_words=_provider_words() | _words_of(
            ["olga", "tess", "max", "ada", "bob", "aud", "Rita", "Novak", "Wrong", "account",
             "pay.csv", "Person", "fee", "abc",
             "Werkzeug"]),  # the test client's User-Agent, on the sessions pages
    )


def _saved_recipient(operator: User, paid: Payout) -> tuple[int, int]:
    """A saved recipient (saved from a payout, so their history has it)."""
    from webapp.recipients.services import save_from_payout

    recipient = save_from_payout(db.session.get(Payout, paid.id), operator)
    return recipient.id, recipient.details[0].id
def _reconciliation(payout: Payout) -> tuple[int, list[int]]:
    """A finished run over today with one difference of every kind (the last explained)."""
    from webapp.models import DifferenceKind, ReconciliationDifference
    from webapp.models.base import utcnow
    from webapp.reconciliation import runner

    start, end = runner.day_bounds(utcnow())
    run = runner.create_run(start, end, requested_by_id=None)
    runner.execute(run.id)
    rows = [ReconciliationDifference(run_id=run.id, kind=kind.value, payout_id=payout.id,
                                     invoice_id=payout.provider_invoice_id, currency="USD",
                                     desk_value="10", provider_value="12",
                                     settled=kind == DifferenceKind.STATUS)
            for kind in DifferenceKind]
    rows[-1].explained, rows[-1].note = True, "abc"
    db.session.add_all(rows)
    db.session.commit()
    return run.id, [row.id for row in rows]


def _every_event_and_audit_action(payout: Payout, operator: User, manager: User) -> None:
    """A timeline with every kind of event and an audit log with every action we word, each
    with the parameters the code writes (failures of every kind included)."""
    from webapp.admin.audit_wording import SENTENCES
    from webapp.audit import record
    from webapp.payout_core import failures
    from webapp.payout_core.labels import EVENT_LABELS, PROVIDER_ERRORS
    from webapp.payout_core.timeline import add_event

    kinds = [k for k in PROVIDER_ERRORS if k not in {failures.REJECTED}]
    for index, kind in enumerate(EVENT_LABELS):
        failure = failures.failure(kinds[index % len(kinds)], http_status=500,
                                   provider_message="Internal server error")
        add_event(payout, kind, actor_id=manager.id, status_from="approved",
                  status_to="processing", failure=failure, source="callback",
                  provider_status="process_failed", resolution="INSUFFICIENT_FUNDS",
                  batch_id=1, payout_id=payout.id, above_limit=True)
    details = {"amount": "10.00", "currency": "USD", "total": "20.00", "rows": 3, "valid": 2,
               "count": 2, "change": 1, "to": ["manager"], "roles": ["operator"],
               "reason": "Wrong account", "status": "done", "ok": False,
               "failure": failures.failure("ServerError", http_status=500)}
    for action in [*SENTENCES, "payout.process_answer"]:
        target = (f"payout:{payout.id}" if action.startswith("payout.") else
                  "batch:1" if action.startswith("batch.") else f"user:{operator.id} olga")
        record(action, actor=manager, target=target, details=details)
    record("login_failed", actor=None, target=None)
    db.session.commit()


def _offers(currency: str) -> bool:
    from webapp.payout_core.gateway import provider_client

    return provider_client().prerequest(currency, Decimal("1234.50")).service(
        f"test_{currency.lower()}") is not None


def _batches(creator: User) -> list[int]:
    """One batch with good and bad rows, submitted; one left as uploaded."""
    import csv

    from webapp.batches.services import create_batch, read_file, submit_batch
    from webapp.payout_core.gateway import provider_client

    service = provider_client().prerequest("USD", Decimal("10")).service("test_usd")
    assert service is not None
    ids = []
    for submit in (True, False):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["account", "amount", "customer_name", "description"])
        writer.writerows([["1001", "10.00", "Person 1", "fee"], ["", "abc", "Person 2", "fee"],
                          ["1003", "-5", "Person 3", "fee"]])
        report = read_file("pay.csv", buffer.getvalue().encode(), service, "USD", "en")
        batch = create_batch(creator, service, "USD", "pay.csv", report, "en")
        if submit:
            submit_batch(batch, creator)
        db.session.commit()
        ids.append(batch.id)
    return ids


def _urls(rule: Any, ids: dict[str, list[int]]) -> list[str] | None:
    """Every URL of `rule` the world can fill (None: an argument it does not know)."""
    if not rule.arguments:
        return [rule.rule]
    urls = [rule.rule]
    for argument in rule.arguments:
        if argument not in ids:
            return None
        pattern = re.compile(r"<(?:\w+:)?" + argument + ">")
        urls = [pattern.sub(str(value), url) for url in urls for value in ids[argument]]
    return urls


EXTRA_GETS = [
    "/payouts/new?currency=USD&amount=10",
    "/payouts/new?currency=USD&amount=10&service=test_usd",
    "/payouts/new?currency=USD&amount=abc",
    "/payouts/new?currency=USD&amount=999999999",
    "/payouts/new?currency=USD&amount=10&service=no_such_service",
    "/payouts/?status=failed", "/payouts/?q=nothing-matches-this",
    "/admin/audit?action=login", "/admin/audit?user=nobody",
    "/no-such-page",
]


def _payout_post(**fields: str) -> dict[str, str]:
    import uuid

    return {"currency": "USD", "amount": "10", "service": "test_usd",
            "submission_token": str(uuid.uuid4()), "customer_name": "Rita Novak",
            "field__account": "4242", **fields}


# Error states that an empty post does not reach: (role, url, form, sandbox fault to inject).
POST_STATES: list[tuple[str | None, str, Callable[[], dict[str, str]], tuple[str, str] | None]] = [
    (None, "/login", lambda: {"username": "olga", "password": "wrong-password"}, None),
    (None, "/login", lambda: {"username": "nobody", "password": "wrong-password"}, None),
    ("operator", "/payouts/new", lambda: _payout_post(field__account="not digits"), None),
    ("operator", "/payouts/new", lambda: _payout_post(amount="0.001"), None),
    ("operator", "/payouts/new", lambda: _payout_post(customer_email="not-an-email"), None),
    ("operator", "/payouts/new", _payout_post, ("create", "422")),
    ("operator", "/payouts/new", _payout_post, ("create", "401")),
    ("operator", "/payouts/new", _payout_post, ("create", "403")),
    ("operator", "/payouts/new", _payout_post, ("create", "405")),
    ("operator", "/payouts/new", _payout_post, ("create", "500_before")),
    ("operator", "/payouts/new", _payout_post, ("create", "malformed")),
    ("operator", "/payouts/new", _payout_post, ("prerequest", "500_before")),
    ("operator", "/payouts/new?currency=USD&amount=10", lambda: {}, ("prerequest", "500_before")),
    ("operator", "/batches/new", lambda: {"currency": "USD", "amount": "10",
                                          "service": "test_usd"}, None),
    ("operator", "/profile/password", lambda: {"current_password": "wrong",
                                               "new_password": "short", "confirm": "other"},
     None),
    ("manager", "/approvals/{payout}/approve", lambda: {"fingerprint": "stale"}, None),
    ("manager", "/approvals/{payout}/approve", lambda: {}, ("process", "500_before")),
    ("manager", "/approvals/{payout}/reject", lambda: {"reason": ""}, None),
    ("manager", "/approvals/batch", lambda: {"action": "approve", "payout": "{payout}:x"},
     None),
    ("admin", "/admin/users/new", lambda: {"username": "x", "password": "short",
                                           "roles": "admin"}, None),
    ("admin", "/admin/users/new", lambda: {"username": "olga", "password": "short"}, None),
]


def _post_states(app: Flask, sandbox: Any, world: World, crawl: Crawl) -> None:
    for role, url, form, fault in POST_STATES:
        client = _client(app, world.users[role] if role else None)
        url = url.replace("{payout}", str(world.ids["payout_id"][0]))
        data = {k: v.replace("{payout}", str(world.ids["payout_id"][0]))
                for k, v in form().items()}
        for htmx in (False, True):
            if fault:
                sandbox.state.inject(*fault)
            headers = {"HX-Request": "true"} if htmx else {}
            response = client.post(url, data=data, headers=headers, follow_redirects=True)
            crawl.check(f"{role or 'anonymous'} POST {url} {sorted(data)} {fault or ''}"
                        f"{' [htmx]' if htmx else ''}", url.split("?")[0], response,
                        world.data_words)


def _client(app: Flask, username: str | None) -> FlaskClient:
    from webapp.extensions import limiter

    limiter.reset()  # the crawl's own empty sign-in posts must not lock the next role out
    client = csrf_client(app)
    if username:
        # The admin crawl's empty posts disable every other account at once, while enabling one
        # back now waits for a second admin (h17): enable the role's account directly.
        with app.app_context():
            db.session.execute(update(User).where(User.username == username)
                               .values(disabled=False))
            db.session.commit()
        response = login(client, username)
        assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    return client


def _crawl_as(app: Flask, username: str | None, world: World, crawl: Crawl,
              uncovered: set[str]) -> None:
    client = _client(app, username)
    who = username or "anonymous"
    gets, posts = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in NOT_PAGES:
            continue
        urls = _urls(rule, world.ids)
        if urls is None:
            uncovered.add(rule.rule)
            continue
        if "GET" in rule.methods:
            gets += [(rule.rule, url) for url in urls]
        if "POST" in rule.methods:
            posts += [(rule.rule, url, rule.endpoint) for url in urls]
    gets += [(url.split("?")[0], url) for url in EXTRA_GETS]
    for rule_text, url in gets:
        for htmx in (False, True):
            headers = {"HX-Request": "true"} if htmx else {}
            response = client.get(url, headers=headers, follow_redirects=True)
            crawl.check(f"{who} GET {url}{' [htmx]' if htmx else ''}", rule_text, response,
                        world.data_words)
    posts.sort(key=lambda post: post[2] in SESSION_ENDING)
    for rule_text, url, endpoint in posts:
        if endpoint in SESSION_ENDING and username is None:
            continue
        for htmx in (False, True):
            headers = {"HX-Request": "true"} if htmx else {}
            response = client.post(url, data={}, headers=headers, follow_redirects=True)
            crawl.check(f"{who} POST {url} (empty){' [htmx]' if htmx else ''}", rule_text,
                        response, world.data_words)
            if endpoint in SESSION_ENDING:
                client = _client(app, username)


def test_every_page_state_and_fragment_speaks_only_the_pseudo_locale(
        pseudo_app: Flask, world: World, sandbox: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    crawl, uncovered = Crawl(), set()
    _post_states(pseudo_app, sandbox, world, crawl)
    _crawl_as(pseudo_app, None, world, crawl, uncovered)
    for role in ROLES:
        _crawl_as(pseudo_app, world.users[role], world, crawl, uncovered)
    with capsys.disabled():
        print(f"\npseudo-locale crawl: {len(crawl.pages)} pages (URL rules), {crawl.states} "
              f"rendered states, {len(crawl.leaks)} with foreign text")
    assert uncovered == set(), "routes the crawl cannot fill: give the world their ids"
    assert len(crawl.pages) >= 40 and crawl.states >= 500
    report = "\n".join(f"{label}: {texts}" for label, texts in sorted(crawl.leaks.items()))
    assert crawl.leaks == {}, f"text not from the catalog:\n{report}"


def test_the_crawl_sees_text_that_skips_the_catalog() -> None:
    """The control: an unmarked word is found, ours and data are not."""
    from tests.i18n.pseudo import pseudo

    page = (f"<html lang='xx'><body><h1>{pseudo('Payouts')}</h1><p>olga · $10.00 · USD</p>"
            f"<p title='Refresh'>{pseudo('Status: %(s)s') % {'s': 'awaiting_approval'}}</p>"
            f"<span lang='ru'>Русский</span><code>po_123</code></body></html>")
    assert foreign_text(page, {"olga"}) == ["Refresh", "⟦Šţàţûš: awaiting_approval⟧"]
