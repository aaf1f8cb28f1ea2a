"""TOTP enrolment and verification with a frozen clock, replay, backup codes, storage at rest."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.twofactor.helpers import T0, actions, code_at, fresh
from webapp.auth import twofactor
from webapp.extensions import db
from webapp.models import BackupCode, Role, User


def test_enrol_and_verify_with_a_frozen_clock(make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    secret = twofactor.new_secret()
    totp = pyotp.TOTP(secret)
    assert twofactor.enable(olga, secret, "000000" if totp.at(T0) != "000000" else "111111",
                            now=T0) is None
    assert not olga.totp_enabled
    codes = twofactor.enable(olga, secret, totp.at(T0), now=T0)
    db.session.commit()
    assert codes is not None and len(codes) == 10 and len(set(codes)) == 10
    assert fresh(olga.id).totp_enabled
    # The step used to enrol is spent; the next one works, one step of drift either way too.
    assert not twofactor.verify_totp(olga, totp.at(T0), now=T0)
    assert twofactor.verify_totp(olga, totp.at(T0 + 30), now=T0 + 30)
    assert twofactor.verify_totp(olga, totp.at(T0 + 60), now=T0 + 90)  # a slow phone
    # Too old, too new, malformed:
    assert not twofactor.verify_totp(olga, totp.at(T0 + 120), now=T0 + 240)
    assert not twofactor.verify_totp(olga, totp.at(T0 + 400), now=T0 + 300)
    assert not twofactor.verify_totp(olga, "12345", now=T0 + 300)
    assert not twofactor.verify_totp(olga, "abcdef", now=T0 + 300)
    assert not twofactor.verify_totp(olga, "٣٣٣٣٣٣", now=T0 + 300)  # digits, but not ASCII
    assert not twofactor.use_backup_code(olga, "ü" * 10)


def test_a_used_code_is_refused_within_its_window(make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR, two_factor=True)
    code = code_at(olga, T0)
    assert twofactor.verify_totp(olga, code, now=T0)
    db.session.commit()
    for later in (T0, T0 + 1, T0 + 29, T0 + 31):  # same code, still inside the drift window
        assert not twofactor.verify_totp(fresh(olga.id), code, now=later), later
    # An older step than the last accepted one is refused too, even if its code is new to us.
    newer = code_at(olga, T0 + 30)
    assert twofactor.verify_totp(fresh(olga.id), newer, now=T0 + 30)
    assert not twofactor.verify_totp(fresh(olga.id), code_at(olga, T0), now=T0 + 30)


def test_backup_codes_are_single_use_and_stored_hashed(make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR, two_factor=True)
    codes = twofactor.new_backup_codes(olga)
    db.session.commit()
    stored = db.session.scalars(select(BackupCode.code_hash)).all()
    assert len(stored) == 10
    for code in codes:
        assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code)
        assert all(code.replace("-", "") not in row for row in stored)
    assert twofactor.use_backup_code(olga, codes[0].upper().replace("-", " "))
    assert not twofactor.use_backup_code(olga, codes[0])
    assert twofactor.verify_second_factor(olga, codes[1]) == "backup_code"
    assert twofactor.verify_second_factor(olga, codes[1]) is None
    assert twofactor.backup_codes_left(olga) == 8
    assert not twofactor.use_backup_code(olga, "aaaaa-aaaaa")
    # New codes replace the old ones entirely.
    twofactor.new_backup_codes(olga)
    assert not twofactor.use_backup_code(olga, codes[2])


def test_secret_is_encrypted_at_rest(make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR, two_factor=True)
    secret = twofactor.secret_of(olga)
    assert secret and olga.totp_secret_encrypted
    assert secret not in olga.totp_secret_encrypted


def test_qr_code_is_made_here_as_an_svg_without_inline_style() -> None:
    uri = "otpauth://totp/Payouts%20desk:olga?secret=JBSWY3DPEHPK3PXP&issuer=Payouts%20desk"
    data_uri = twofactor.qr_data_uri(uri)
    assert data_uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(data_uri.partition(",")[2]).decode()
    assert svg.startswith("<svg") and "style=" not in svg and "http://www.w3.org/2000/svg" in svg


def enrol_through_pages(client: FlaskClient) -> tuple[str, list[str]]:
    """Open the setup page, read the key off it, answer with the current code."""
    page = client.get("/account/2fa/setup")
    assert page.status_code == 200 and b'src="data:image/svg+xml;base64,' in page.data
    assert page.headers["Cache-Control"] == "no-store"
    match = re.search(r"<code>([A-Z2-7]+)</code>", page.get_data(as_text=True))
    assert match
    secret = match.group(1)
    wrong = client.post("/account/2fa/setup", data={"code": "000000"
                                                    if pyotp.TOTP(secret).now() != "000000"
                                                    else "111111"})
    assert wrong.status_code == 422
    done = client.post("/account/2fa/setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.get_data(as_text=True))
    return secret, codes


def test_enrolment_through_the_pages_shows_codes_once(operator_client: FlaskClient) -> None:
    secret, codes = enrol_through_pages(operator_client)
    assert len(codes) == 10
    olga = db.session.scalar(select(User).where(User.username == "olga"))
    assert olga is not None and fresh(olga.id).totp_enabled
    assert twofactor.secret_of(olga) == secret
    # Shown once: the status page and a second visit to setup do not show them again.
    status = operator_client.get("/account/2fa").get_data(as_text=True)
    assert not any(code in status for code in codes) and "10" in status
    again = operator_client.get("/account/2fa/setup")
    assert again.status_code == 303 and again.location == "/account/2fa"
    assert actions().count("two_factor_enabled") == 1
    assert "two_factor_enrol_failed" in actions()


def test_operator_may_switch_off_a_manager_may_not(operator_client: FlaskClient,
                                                   manager_client: FlaskClient,
                                                   make_user: Callable[..., User]) -> None:
    enrol_through_pages(operator_client)
    olga = db.session.scalar(select(User).where(User.username == "olga"))
    assert olga is not None
    olga.totp_last_step = None
    db.session.commit()
    off = operator_client.post("/account/2fa/disable",
                               data={"code": pyotp.TOTP(twofactor.secret_of(olga)).now()})
    assert off.status_code == 303 and not fresh(olga.id).totp_enabled
    max_ = db.session.scalar(select(User).where(User.username == "max"))
    assert max_ is not None
    refused = manager_client.post("/account/2fa/disable", data={"code": "123456"})
    assert refused.status_code == 303 and fresh(max_.id).totp_enabled
    assert actions().count("two_factor_disabled") == 1
