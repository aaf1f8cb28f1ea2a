"""TOTP two-factor sign-in (RFC 6238 via pyotp) and one-time backup codes.

The secret is encrypted at rest. A code is accepted for the current 30-second step or one step
either side (clock drift), and never for a step at or before the last accepted one: a conditional
UPDATE records the step, so even two requests racing with the same code cannot both pass.
Every function takes `now` (Unix seconds) so tests can freeze the clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import time

import pyotp
from sqlalchemy import delete, or_, select, update

from webapp.crypto import decrypt_text, encrypt_text, same_text
from webapp.extensions import db
from webapp.models import BackupCode, Role, User
from webapp.models.base import utcnow

ISSUER = "Payouts desk"
STEP_SECONDS = 30
DRIFT_STEPS = 1
BACKUP_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper.
BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PURPOSE = b"totp-secret"
# Roles that may not work without a second factor.
REQUIRED_FOR = (Role.MANAGER, Role.ADMIN)


def required_for(user: User) -> bool:
    return user.has_role(*REQUIRED_FOR)


def new_secret() -> str:
    return pyotp.random_base32()


def secret_of(user: User) -> str | None:
    if not user.totp_secret_encrypted:
        return None
    return decrypt_text(PURPOSE, user.totp_secret_encrypted)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The enrolment QR code as an SVG data URI: made here, no third-party service, no inline
    style (the CSP allows `img-src data:`)."""
    import segno  # only on the enrolment page, not in every worker

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False,
                                    title="QR")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _clean_code(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace())


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step `code` belongs to (within the drift window), or None."""
    code = _clean_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if same_text(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record `step` as used unless this or a later step already was (no replay)."""
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if claimed:
        user.totp_last_step = step
        db.session.flush()
    return claimed


def verify_totp(user: User, code: str, now: float | None = None) -> bool:
    """True once per time step for a correct code of the user's authenticator."""
    secret = secret_of(user)
    if secret is None or not user.totp_enabled:
        return False
    step = matching_step(secret, code, now)
    return step is not None and _claim_step(user, step)


def enable(user: User, secret: str, code: str, now: float | None = None) -> list[str] | None:
    """Switch two-factor on when `code` proves the authenticator holds `secret`; returns the
    fresh backup codes (shown once), or None when the code is wrong."""
    step = matching_step(secret, code, now)
    if step is None:
        return None
    user.totp_secret_encrypted = encrypt_text(PURPOSE, secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    return new_backup_codes(user)


def remove(user: User) -> None:
    """Forget the secret and every backup code (switching off, or an admin's reset)."""
    user.totp_secret_encrypted = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(BackupCode).where(BackupCode.user_id == user.id))


def _hash_code(code: str, salt: str) -> str:
    digest = hashlib.sha256((salt + ":" + code).encode()).hexdigest()
    return f"{salt}${digest}"


def _normalise_backup(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def new_backup_codes(user: User) -> list[str]:
    """Replace the user's backup codes with ten new ones; only salted hashes are stored.
    Codes are random (10 characters, ~49 bits), so a fast salted hash is enough."""
    db.session.execute(delete(BackupCode).where(BackupCode.user_id == user.id))
    codes = []
    for _ in range(BACKUP_CODE_COUNT):
        raw = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(10))
        db.session.add(BackupCode(user_id=user.id, code_hash=_hash_code(raw, secrets.token_hex(8))))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def use_backup_code(user: User, code: str) -> bool:
    """True once for each unused backup code; the row is claimed with a conditional UPDATE."""
    wanted = _normalise_backup(code)
    if len(wanted) != 10:
        return False
    rows = db.session.scalars(
        select(BackupCode).where(BackupCode.user_id == user.id, BackupCode.used_at.is_(None))
    ).all()
    for row in rows:
        salt = row.code_hash.partition("$")[0]
        if hmac.compare_digest(_hash_code(wanted, salt), row.code_hash):
            return db.session.execute(
                update(BackupCode)
                .where(BackupCode.id == row.id, BackupCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount == 1
    return False


def backup_codes_left(user: User) -> int:
    return len(db.session.scalars(
        select(BackupCode.id).where(BackupCode.user_id == user.id, BackupCode.used_at.is_(None))
    ).all())


def verify_second_factor(user: User, code: str, now: float | None = None) -> str | None:
    """'totp' or 'backup_code' for whichever the code is, None when it is neither."""
    if verify_totp(user, code, now):
        return "totp"
    if use_backup_code(user, code):
        return "backup_code"
    return None
