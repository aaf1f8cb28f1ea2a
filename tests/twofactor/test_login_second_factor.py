"""Two-step sign-in: the password alone gives nothing; TOTP or a backup code finishes; wrong
codes count towards the lockout; a manager without a second factor is sent to enrol first."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask.testing import FlaskClient

from tests.conftest import csrf_client
from tests.twofactor.helpers import actions, code_now, fresh, password_step
from webapp.approvals.fingerprint import fingerprint_of
from webapp.auth import twofactor
from webapp.auth.routes import PENDING_KEY
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role, User

LOCKED = b"Too many attempts. Try again in 15 minutes."


def is_signed_in(client: FlaskClient) -> bool:
    return client.get("/profile").status_code == 200


def test_password_alone_gives_no_access(browser: FlaskClient,
                                        make_user: Callable[..., User]) -> None:
    make_user("max", Role.MANAGER)
    password_step(browser, "max")
    assert not is_signed_in(browser)
    assert browser.get("/approvals/").status_code == 302
    assert browser.get("/login/verify").status_code == 200
    assert actions() == ["login_second_factor_asked"]


def test_totp_finishes_the_sign_in_and_cannot_be_replayed(
        app, browser: FlaskClient, make_user: Callable[..., User]) -> None:  # type: ignore[no-untyped-def]
    max_ = make_user("max", Role.MANAGER)
    password_step(browser, "max")
    code = code_now(max_)
    done = browser.post("/login/verify", data={"code": code})
    assert done.status_code == 303 and done.location == "/"
    assert is_signed_in(browser)
    assert actions()[-1] == "login" and fresh(max_.id).last_login_at is not None
    # A thief who saw the code types it right after the password: refused.
    thief = csrf_client(app)
    password_step(thief, "max")
    again = thief.post("/login/verify", data={"code": code})
    assert again.status_code == 200 and b"already used" in again.data
    assert not is_signed_in(thief)
    assert actions()[-1] == "login_second_factor_failed"


def test_backup_code_signs_in_once(app, make_user: Callable[..., User]) -> None:  # type: ignore[no-untyped-def]
    max_ = make_user("max", Role.MANAGER)
    codes = twofactor.new_backup_codes(max_)
    db.session.commit()
    first = csrf_client(app)
    password_step(first, "max")
    done = first.post("/login/verify", data={"code": codes[3]}, follow_redirects=True)
    assert done.status_code == 200 and b"9 are left" in done.data
    second = csrf_client(app)
    password_step(second, "max")
    assert second.post("/login/verify", data={"code": codes[3]}).status_code == 200
    assert not is_signed_in(second)


def test_wrong_codes_count_towards_the_lockout(browser: FlaskClient,
                                               make_user: Callable[..., User]) -> None:
    max_ = make_user("max", Role.MANAGER)
    password_step(browser, "max")
    for _ in range(5):
        wrong = browser.post("/login/verify", data={"code": "000000"})
        assert wrong.status_code == 200
    locked = browser.post("/login/verify", data={"code": code_now(max_)})
    assert locked.status_code == 429 and LOCKED in locked.data
    assert not is_signed_in(browser)
    # The password step is locked too: the same per-name counter.
    again = browser.post("/login", data={"username": "max",
                                         "password": "correct-horse-battery-staple"})
    assert again.status_code == 429


def test_password_then_wrong_codes_do_not_reset_the_counter(
        browser: FlaskClient, make_user: Callable[..., User]) -> None:
    """Typing the password again must not forget earlier wrong codes."""
    make_user("max", Role.MANAGER)
    for _ in range(5):
        password_step(browser, "max")
        browser.post("/login/verify", data={"code": "000000"})
    response = browser.post("/login", data={"username": "max",
                                            "password": "correct-horse-battery-staple"})
    assert response.status_code == 429


def test_a_stale_password_step_must_be_done_again(browser: FlaskClient,
                                                  make_user: Callable[..., User]) -> None:
    max_ = make_user("max", Role.MANAGER)
    password_step(browser, "max")
    with browser.session_transaction() as session:
        session[PENDING_KEY] = {**session[PENDING_KEY], "since": time.time() - 301}
    response = browser.post("/login/verify", data={"code": code_now(max_)})
    assert response.status_code == 302 and response.location.startswith("/login")
    assert not is_signed_in(browser)


def test_manager_without_second_factor_is_sent_to_enrol(
        client_for: Callable[[str], FlaskClient], make_user: Callable[..., User],
        make_payout: Callable[..., Payout], sandbox: object) -> None:
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER, two_factor=False)
    client = client_for("max")  # the password is enough to reach the enrolment page
    for url in ("/", "/approvals/", f"/payouts/{payout.id}", "/profile", "/account/sessions"):
        response = client.get(url)
        assert response.status_code == 303 and response.location == "/account/2fa/setup", url
    approve = client.post(f"/approvals/{payout.id}/approve",
                          data={"fingerprint": fingerprint_of(payout)})
    assert approve.status_code == 303 and approve.location == "/account/2fa/setup"
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == PayoutStatus.AWAITING_APPROVAL
    assert client.get("/account/2fa/setup").status_code == 200
    htmx = client.get("/approvals/", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/account/2fa/setup"
    assert client.post("/logout").status_code == 303


def test_an_operator_without_second_factor_works_normally(
        operator_client: FlaskClient) -> None:
    assert operator_client.get("/").status_code == 200
    assert operator_client.get("/account/2fa").status_code == 200
