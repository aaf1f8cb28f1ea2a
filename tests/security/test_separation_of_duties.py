"""Separation of duties, tried as an attacker would: every path of issue 17 over HTTP, end to
end. Each attack is refused, changes nothing, and the provider receives no process request
(counted at the sandbox, over every invoice)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.batches.conftest import csv_bytes
from tests.batches.conftest import service as batch_service
from tests.conftest import TEST_PASSWORD, csrf_client, enrol_two_factor, login
from tests.setup_link_steps import choose_password, confirm_all, pending_ids
from webapp.approvals.fingerprint import fingerprint_of
from webapp.batches.approval import fingerprint_of as batch_fingerprint
from webapp.batches.services import create_batch, read_file, submit_batch
from webapp.extensions import db
from webapp.models import ApprovalLimit, AuditEvent, Batch, Payout, PayoutStatus, Role, User
from webapp.payout_core.prerequest import clear_cache
from webapp.sandbox import SandboxServer

ATTACKER_PASSWORD = "attackers-own-passphrase-99"


def process_calls(sandbox: SandboxServer) -> int:
    """Every process request the provider received, for any invoice."""
    return sum(sandbox.state.counters["process_requests"].values())


def invoices(sandbox: SandboxServer) -> int:
    return len(sandbox.state.newest_first())


def user_named(name: str) -> User:
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == name))
    assert user is not None, name
    return user


def cannot_sign_in(app: Flask, username: str, *passwords: str) -> bool:
    for password in passwords:
        browser = csrf_client(app)
        if browser.post("/login", data={"username": username, "password": password}
                        ).status_code == 303:
            return False
    return True


def audited(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == action)) or 0


def still_waiting(payout: Payout) -> bool:
    db.session.expire_all()
    return db.session.get(Payout, payout.id).status == PayoutStatus.AWAITING_APPROVAL


@pytest.fixture
def root_client(login_as: Callable[..., FlaskClient]) -> FlaskClient:
    """A second, honest admin."""
    return login_as(Role.ADMIN, username="root")


# -- One admin alone ------------------------------------------------------------------------


def test_one_admin_cannot_reset_a_manager_and_approve_from_a_puppet(
        app: Flask, admin_client: FlaskClient, root_client: FlaskClient,
        make_user: Callable[..., User], sandbox: SandboxServer) -> None:
    """Reset the password of a manager without a second factor, sign in as them, enrol an
    authenticator, make an operator, pay from it, approve as the manager."""
    max_ = make_user("max", Role.MANAGER, two_factor=False)
    # The reset no longer takes a password: it only asks, and the old form field is ignored.
    admin_client.post(f"/admin/users/{max_.id}/password",
                      data={"pw-password": ATTACKER_PASSWORD})
    [reset] = pending_ids()
    assert cannot_sign_in(app, "max", ATTACKER_PASSWORD)
    own = admin_client.post(f"/admin/pending/{reset}/confirm")
    assert own.status_code == 303 and pending_ids() == [reset]
    assert audited("change_confirm_refused") == 1
    # A puppet operator: no role and no usable password until a second admin confirms.
    admin_client.post("/admin/users/new", data={"username": "puppet", "roles": ["operator"],
                                                "password": ATTACKER_PASSWORD})
    assert user_named("puppet").roles == set()
    assert cannot_sign_in(app, "puppet", ATTACKER_PASSWORD, "")
    assert len(pending_ids()) == 2
    assert process_calls(sandbox) == 0 and invoices(sandbox) == 0
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 0
    # Even when the honest second admin confirms, the link goes to them, not to the attacker.
    links = confirm_all(root_client)
    assert len(links) == 2
    assert all(link.encode() not in admin_client.get("/admin/pending").data for link in links)
    assert cannot_sign_in(app, "max", TEST_PASSWORD, ATTACKER_PASSWORD)


def test_one_admin_cannot_take_over_a_never_signed_in_admin(
        app: Flask, admin_client: FlaskClient, make_user: Callable[..., User],
        sandbox: SandboxServer) -> None:
    """The same trick on a fresh admin account, to confirm one's own privilege request."""
    make_user("root2", Role.ADMIN, two_factor=False)  # made by the CLI, never signed in
    olga = make_user("olga", Role.OPERATOR)
    admin_client.post(f"/admin/users/{user_named('root2').id}/password",
                      data={"pw-password": ATTACKER_PASSWORD})
    admin_client.post(f"/admin/users/{olga.id}/roles", data={"roles-roles": ["manager"]})
    assert len(pending_ids()) == 2
    assert cannot_sign_in(app, "root2", ATTACKER_PASSWORD)
    for change_id in pending_ids():
        admin_client.post(f"/admin/pending/{change_id}/confirm")
    assert len(pending_ids()) == 2 and user_named("olga").roles == {Role.OPERATOR}
    assert process_calls(sandbox) == 0


# -- A person holding admin and manager -----------------------------------------------------


def test_admin_manager_cannot_approve_from_a_new_puppet_operator(
        app: Flask, make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], root_client: FlaskClient,
        sandbox: SandboxServer) -> None:
    make_user("eve", Role.ADMIN, Role.MANAGER)  # combined, from before the rule
    eve = client_for("eve")
    eve.post("/admin/users/new", data={"username": "puppet", "roles": ["operator"]})
    [request] = pending_ids()
    eve.post(f"/admin/pending/{request}/confirm")
    assert pending_ids() == [request] and cannot_sign_in(app, "puppet", "", ATTACKER_PASSWORD)
    # Suppose the puppet exists anyway (an unwitting second admin confirmed) and paid:
    confirm_all(root_client)
    payout = make_payout(user_named("puppet"))
    refused = eve.post(f"/approvals/{payout.id}/approve",
                       data={"fingerprint": fingerprint_of(payout)})
    assert refused.status_code == 403
    assert still_waiting(payout) and process_calls(sandbox) == 0


def test_admin_manager_cannot_reset_an_operator_and_approve(
        app: Flask, make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR)
    make_user("eve", Role.ADMIN, Role.MANAGER)
    eve = client_for("eve")
    eve.post(f"/admin/users/{olga.id}/password", data={"pw-password": ATTACKER_PASSWORD})
    assert cannot_sign_in(app, "olga", ATTACKER_PASSWORD)
    assert not cannot_sign_in(app, "olga", TEST_PASSWORD)  # nothing changed for olga
    payout = make_payout(olga)
    refused = eve.post(f"/approvals/{payout.id}/approve",
                       data={"fingerprint": fingerprint_of(payout)})
    assert refused.status_code == 403
    assert still_waiting(payout) and process_calls(sandbox) == 0


def test_a_new_admin_manager_grant_is_refused(
        admin_client: FlaskClient, make_user: Callable[..., User]) -> None:
    max_ = make_user("max", Role.MANAGER)
    admin_client.post(f"/admin/users/{max_.id}/roles", data={"roles-roles": ["admin", "manager"]})
    assert pending_ids() == [] and user_named("max").roles == {Role.MANAGER}
    assert audited("account_action_refused") == 1


def signed_in(client: FlaskClient) -> bool:
    return client.get("/profile").status_code == 200


def test_login_helper_sanity(app: Flask, make_user: Callable[..., User]) -> None:
    """The sign-in check used above does succeed for a real account (it can fail)."""
    make_user("olga", Role.OPERATOR)
    browser = csrf_client(app)
    assert login(browser, "olga").status_code == 303 and signed_in(browser)
    assert not cannot_sign_in(app, "olga", TEST_PASSWORD)


# -- The relationship rule (was: the 24-hour cooling rule) ------------------------------------


def hire(admin: FlaskClient, second: FlaskClient, app: Flask, name: str, role: str) -> User:
    """An account made the only way there is: one admin asks, another confirms, the person
    chooses their password on the set-up link (a manager gets an authenticator and a limit)."""
    admin.post("/admin/users/new", data={"username": name, "roles": [role]})
    [link] = confirm_all(second)
    choose_password(csrf_client(app), link, TEST_PASSWORD)
    user = user_named(name)
    if role == "manager":
        enrol_two_factor(user)
        db.session.add(ApprovalLimit(user_id=user.id, currency="*", max_amount=None))
        db.session.commit()
    return user_named(name)


@pytest.fixture
def _fast_batches(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_cache()
    monkeypatch.setitem(app.config, "BATCH_RATE_PER_SECOND", 1000.0)
    monkeypatch.setitem(app.config, "BATCH_STEP_HOOK", None)
    monkeypatch.setitem(app.config, "RECOVERY_BACKOFF_SECONDS", 0.01)


def upload(creator: User, rows: int = 3, amount: str = "10.00") -> Batch:
    chosen = batch_service("test_usd", "USD")
    lines = [[str(1000 + i), amount, f"Person {i}", "fee"] for i in range(rows)]
    report = read_file("pay.csv", csv_bytes(lines), chosen, "USD", "en")
    batch = create_batch(creator, chosen, "USD", "pay.csv", report, "en")
    assert submit_batch(batch, creator)
    return batch


@pytest.mark.usefixtures("_fast_batches")
def test_a_second_puppet_does_not_walk_around_the_cooling_rule(
        app: Flask, admin_client: FlaskClient, root_client: FlaskClient,
        make_payout: Callable[..., Payout], client_for: Callable[[str], FlaskClient],
        sandbox: SandboxServer) -> None:
    """An admin makes a manager and, separately, an operator; the operator pays, the manager
    approves. Both accounts were administered by the same admins this month: refused, for a
    single payout, the queue's bulk action and a batch."""
    hire(admin_client, root_client, app, "sock", "manager")
    puppet = hire(admin_client, root_client, app, "puppet", "operator")
    payout = make_payout(puppet)
    batch = upload(puppet)
    sock = client_for("sock")
    single = sock.post(f"/approvals/{payout.id}/approve",
                       data={"fingerprint": fingerprint_of(payout)}, follow_redirects=True)
    assert b"In the last 30 days" in single.data
    selection = f"{payout.id}:{fingerprint_of(payout)}"
    review = sock.post("/approvals/review", data={"payout": selection}).get_data(as_text=True)
    token = re.search(r'name="confirm" value="([^"]+)"', review)
    assert token, review[-1500:]
    bulk = sock.post("/approvals/approve", data={"payout": selection, "confirm": token.group(1)},
                     follow_redirects=True)
    assert b"In the last 30 days" in bulk.data
    whole = sock.post(f"/batches/{batch.id}/approve",
                      data={"fingerprint": batch_fingerprint(batch)}, follow_redirects=True)
    assert b"In the last 30 days" in whole.data
    assert still_waiting(payout)
    assert db.session.get(Batch, batch.id, populate_existing=True).status == "awaiting_approval"
    assert audited("payout.approval_refused") == 2 and audited("batch.approval_refused") == 1
    assert process_calls(sandbox) == 0 and invoices(sandbox) == 1


# -- "Send again" and submission tokens ---------------------------------------------------------


def token_in(page: str) -> str:
    found = re.search(r'name="submission_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="submission_token"', page)
    assert found, page[-1500:]
    return found.group(1)


def test_the_original_author_cannot_approve_a_resent_copy(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    """A manager types a payout; the provider refuses it; another manager presses "send
    again". The copy stays the typist's; neither of them may approve it."""
    mona = make_user("mona", Role.MANAGER)
    make_user("max", Role.MANAGER)
    sandbox.state.inject("create", "403")
    refused = make_payout(mona)
    max_ = client_for("max")
    page = max_.get(f"/payouts/{refused.id}").get_data(as_text=True)
    resent = max_.post(f"/payouts/{refused.id}/resubmit",
                       data={"submission_token": token_in(page)})
    copy_id = int(resent.location.rsplit("/", 1)[1])
    db.session.expire_all()
    copy = db.session.get(Payout, copy_id)
    assert copy.created_by_id == mona.id and copy.resent_by_id == user_named("max").id
    for name, says in (("mona", b"a payout you created"), ("max", b"You sent this payout again")):
        answer = client_for(name).post(f"/approvals/{copy.id}/approve",
                                       data={"fingerprint": fingerprint_of(copy)},
                                       follow_redirects=True)
        assert says in answer.data, name
    assert still_waiting(copy) and process_calls(sandbox) == 0


@pytest.fixture
def _fresh_prerequests(app: Flask, sandbox: SandboxServer) -> None:
    clear_cache()


def new_form_values(client: FlaskClient) -> dict[str, str]:
    """What the rendered new-payout form would post, with the review step's "create"."""
    html = client.get("/payouts/new?currency=USD&amount=10&service=test_usd").get_data(
        as_text=True)
    found = dict(re.findall(r'<input id="(\w+)" name="\1" type="hidden" value="([^"]*)"', html))
    amount = re.search(r'<input [^>]*name="amount"[^>]*value="([^"]*)"', html)
    checked = re.search(r'name="checked_amount" value="([^"]*)"', html)
    assert amount is not None and checked is not None, html[-1500:]
    return {**{k: found[k] for k in ("currency", "service", "submission_token")},
            "amount": amount.group(1), "checked_amount": checked.group(1), "action": "create"}


@pytest.mark.usefixtures("_fresh_prerequests")
def test_a_token_given_to_someone_else_is_refused(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    """Squatting: another user submits a different payout under the victim's form token (or
    under the old predictable "send again" token) so that it is shown as the victim's."""
    make_user("olga", Role.OPERATOR)
    make_user("oleg", Role.OPERATOR)
    olga, oleg = client_for("olga"), client_for("oleg")
    values = new_form_values(olga)
    squat = oleg.post("/payouts/new", data={**values, "amount": "20", "checked_amount": "20",
                                            "field__account": "666666"})
    assert squat.status_code == 303 and squat.location.endswith("/payouts/new")
    assert b"opened by another user" in oleg.get(squat.location).data
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 0
    assert invoices(sandbox) == 0 and audited("payout.submission_token_refused") == 1
    # The victim's own submit still works and shows her payout.
    mine = olga.post("/payouts/new", data={**values, "field__account": "1234567"})
    [payout] = db.session.scalars(select(Payout)).all()
    assert mine.location.endswith(f"/payouts/{payout.id}") and payout.amount == 10
    # The old "send again" token was uuid5 of (payout, user): guessable, now refused.
    sandbox.state.inject("create", "403")
    refused = make_payout(user_named("olga"))
    guessed = str(uuid.uuid5(uuid.NAMESPACE_URL, f"resubmit:{refused.id}:{user_named('olga').id}"))
    assert oleg.post("/payouts/new", data={**new_form_values(oleg), "submission_token": guessed,
                                           "field__account": "666666"}).status_code == 303
    olga_page = olga.get(f"/payouts/{refused.id}").get_data(as_text=True)
    stolen = olga.post(f"/payouts/{refused.id}/resubmit",
                       data={"submission_token": token_in(new_form_values_page(oleg))})
    assert stolen.location.endswith(f"/payouts/{refused.id}")  # refused: back to the original
    assert token_in(olga_page) != guessed
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 2
    assert process_calls(sandbox) == 0


def new_form_values_page(client: FlaskClient) -> str:
    return client.get("/payouts/new?currency=USD&amount=10&service=test_usd").get_data(
        as_text=True)


# -- Limits fail closed ---------------------------------------------------------------------


def test_two_low_limit_managers_cannot_approve_together(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    make_user("max", Role.MANAGER, limits={"USD": "100"})
    make_user("mia", Role.MANAGER, limits={"USD": "200"})
    make_user("big", Role.MANAGER, limits={"*": "1000"})
    payout = make_payout(make_user("olga", Role.OPERATOR), amount="500.00")
    for name in ("max", "mia"):
        answer = client_for(name).post(f"/approvals/{payout.id}/approve",
                                       data={"fingerprint": fingerprint_of(payout)},
                                       follow_redirects=True)
        assert b"a manager whose own limit covers it must approve" in answer.data
    assert still_waiting(payout) and process_calls(sandbox) == 0
    # The page says which limit applies and who can still approve.
    page = client_for("mia").get(f"/payouts/{payout.id}").get_data(as_text=True)
    assert "200.00" in page.split("Your approval limit here:")[1][:40]
    assert "Who can approve it now:" in page
    who = page.split("Who can approve it now:")[1][:200]
    assert "big" in who and "max" not in who and "mia" not in who
    done = client_for("big").post(f"/approvals/{payout.id}/approve",
                                  data={"fingerprint": fingerprint_of(payout)})
    assert done.status_code == 303 and not still_waiting(payout)
    assert process_calls(sandbox) == 1


def test_a_currency_without_a_limit_row_cannot_be_approved(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    make_user("max", Role.MANAGER, limits={"EUR": None})  # no limit in EUR; nothing for USD
    payout = make_payout(make_user("olga", Role.OPERATOR), amount="1.00")
    answer = client_for("max").post(f"/approvals/{payout.id}/approve",
                                    data={"fingerprint": fingerprint_of(payout)},
                                    follow_redirects=True)
    assert b"no approval limit in this currency" in answer.data
    assert b"No manager can approve it now" in answer.data
    assert still_waiting(payout) and process_calls(sandbox) == 0
    assert audited("payout.approval_refused") == 1


# -- Batch retry ----------------------------------------------------------------------------


@pytest.mark.usefixtures("_fast_batches")
def test_batch_retry_needs_a_fresh_approval_by_someone_else(
        make_user: Callable[..., User], client_for: Callable[[str], FlaskClient],
        sandbox: SandboxServer) -> None:
    """The uploader (a manager) retries failed rows: nothing is sent under the old approval;
    neither the uploader nor the person who pressed retry may approve the retry."""
    mona = make_user("mona", Role.MANAGER)
    make_user("max", Role.MANAGER)
    make_user("mia", Role.MANAGER)
    batch = upload(mona)
    sandbox.state.inject("create", "403")  # the first row's create is refused
    first = client_for("max").post(f"/batches/{batch.id}/approve",
                                   data={"fingerprint": batch_fingerprint(batch)})
    assert first.status_code == 303
    batch = db.session.get(Batch, batch.id, populate_existing=True)
    assert batch.status == "done_with_failures"
    calls, stored = process_calls(sandbox), invoices(sandbox)
    assert calls == 2 and stored == 2
    mia = client_for("mia")
    assert mia.post(f"/batches/{batch.id}/retry").status_code == 303
    batch = db.session.get(Batch, batch.id, populate_existing=True)
    assert batch.status == "awaiting_approval" and batch.retried_by_id == user_named("mia").id
    for name, says in (("mona", b"a batch you uploaded"), ("mia", b"You asked to retry")):
        answer = client_for(name).post(f"/batches/{batch.id}/approve",
                                       data={"fingerprint": batch_fingerprint(batch)},
                                       follow_redirects=True)
        assert says in answer.data, name
    # The old approval's fingerprint no longer matches (the version moved on).
    assert process_calls(sandbox) == calls and invoices(sandbox) == stored
    assert audited("batch.approval_refused") == 2
    fresh = client_for("max").post(f"/batches/{batch.id}/approve",
                                   data={"fingerprint": batch_fingerprint(batch)})
    assert fresh.status_code == 303
    assert process_calls(sandbox) == calls + 1 and invoices(sandbox) == stored + 1
