"""Demo accounts through the account services, with a second factor already enrolled.

In demo mode a manager or admin should not need a phone: each is enrolled at start with a
secret the launcher prints, and `flask --app wsgi demo code USER` prints the current code.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pyotp
from sqlalchemy import select

from webapp.admin import limits
from webapp.audit import record, user_target
from webapp.auth import services, twofactor
from webapp.auth.passwords import verify_password
from webapp.demo_data.people import DEMO_USERS, DemoUser, needs_second_factor
from webapp.extensions import db
from webapp.models import ApprovalLimit, Role, User

# What a demo manager may approve alone, per currency: explicit rows (limits fail closed).
# Demo payouts stay below them; a larger amount needs the second manager.
MANAGER_LIMITS = {
    "USD": Decimal("5000"), "EUR": Decimal("5000"), "GBP": Decimal("5000"),
    "UAH": Decimal("200000"), "RUB": Decimal("500000"), "KZT": Decimal("2000000"),
    "JPY": Decimal("700000"), "BTC": Decimal("0.5"),
}
# Enrolment proves the secret with a code from this many steps ago, so the first code the
# person types (the current one) is still unused.
ENROL_STEPS_BACK = 3


def ensure_user(person: DemoUser) -> tuple[User, bool]:
    """The account, created if missing; its password reset only when it no longer matches
    the printed one. Returns (user, created)."""
    user = services.find_user(person.username)
    if user is None:
        user = services.create_user(person.username, person.password,
                                    {Role(r) for r in person.roles})
        db.session.commit()
        return user, True
    if not verify_password(user.password_hash, person.password):
        services.set_password(user, person.password)
        db.session.commit()
    return user, False


def enrol_second_factor(user: User) -> str:
    """Enrol `user` with a fresh secret unless enrolled already; returns the secret."""
    existing = twofactor.secret_of(user) if user.totp_enabled else None
    if existing is not None:
        return existing
    secret = twofactor.new_secret()
    earlier = time.time() - ENROL_STEPS_BACK * twofactor.STEP_SECONDS
    codes = twofactor.enable(user, secret, pyotp.TOTP(secret).at(earlier), now=earlier)
    assert codes is not None
    record("demo_second_factor_enrolled", actor=user, target=user_target(user))
    db.session.commit()
    return secret


def ensure_limits(manager: User, admin: User) -> None:
    """Explicit approval limits for a demo manager, set by a demo admin (audited)."""
    have = set(db.session.scalars(
        select(ApprovalLimit.currency).where(ApprovalLimit.user_id == manager.id)))
    for currency, amount in MANAGER_LIMITS.items():
        if currency not in have:
            limits.apply(manager, currency, amount, actor=admin)
    db.session.commit()


def ensure_addresses(users: dict[str, User]) -> None:
    """A notification address for each demo account (the demo prints e-mails, never sends)."""
    from webapp.notifications import addresses

    for name, user in users.items():
        if addresses.address_of(user.id) is None:
            addresses.set_address(user.id, f"{name}@demo.example")
    db.session.commit()


def ensure_demo_accounts() -> dict[str, str]:
    """Every demo account, enrolled and limited; returns {username: TOTP secret}."""
    users = {person.username: ensure_user(person)[0] for person in DEMO_USERS}
    ensure_addresses(users)
    admin = users["admin"]
    for person in DEMO_USERS:
        if "manager" in person.roles:
            ensure_limits(users[person.username], admin)
    return {person.username: enrol_second_factor(users[person.username])
            for person in DEMO_USERS if needs_second_factor(person)}


def current_code(user: User, now: float | None = None) -> tuple[str, int]:
    """(code, seconds it stays usable) for a demo account. When this step's code was used
    already, the next step's code: the sign-in accepts one step of drift."""
    secret = twofactor.secret_of(user)
    if secret is None or not user.totp_enabled:
        raise LookupError(user.username)
    moment = time.time() if now is None else now
    step = int(moment // twofactor.STEP_SECONDS)
    if user.totp_last_step is not None and user.totp_last_step >= step:
        step = user.totp_last_step + 1
    left = (step + 1) * twofactor.STEP_SECONDS - int(moment)
    return pyotp.TOTP(secret).at(step * twofactor.STEP_SECONDS), max(left, 0)
