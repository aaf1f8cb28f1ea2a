"""Password hashing with Argon2id at OWASP's recommended cost, and the password policy."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from webapp.lazy_text import lazy_gettext as _l

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1 (minimum recommended).
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
MIN_LENGTH = 12
# Long enough for any passphrase, short enough that hashing cannot be used to burn CPU.
MAX_LENGTH = 256
# A short list of the commonest passwords of 12+ characters (breach corpora); compared lower-cased.
COMMON_PASSWORDS = frozenset({
    "123456789012", "1234567890123", "12345678901234", "password1234", "passwordpassword",
    "qwertyuiopas", "qwertyuiop12", "111111111111", "000000000000", "123123123123",
    "iloveyou1234", "adminadmin12", "welcome12345", "letmein12345", "qwerty123456",
    "password123!", "password12345", "changeme1234", "administrator", "administrator1",
    "1q2w3e4r5t6y", "1qaz2wsx3edc", "q1w2e3r4t5y6", "abc123abc123", "abcdefghijkl",
    "monkeymonkey", "football1234", "baseball1234", "sunshine1234", "princess1234",
    "qwertyqwerty", "asdfghjkl123", "zxcvbnm12345", "trustno11234", "superman1234",
    "p@ssw0rd1234", "passw0rd1234", "correcthorsebatterystaple", "letmeinletmein",
})
# Verifying against this keeps the time of an unknown username equal to a wrong password.
DUMMY_HASH = HASHER.hash("dummy-password-for-timing")

PROBLEM_MESSAGES = {
    "too_short": _l("Use at least 12 characters."),
    "too_long": _l("Use at most 256 characters."),
    "too_common": _l("This password is too common; choose another."),
    "contains_username": _l("The password must not contain the username."),
}


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def unusable_password_hash() -> str:
    """A real hash of a random password nobody is told: every sign-in attempt fails."""
    return hash_password(secrets.token_urlsafe(32))


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return HASHER.verify(password_hash or DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, username: str | None = None) -> str | None:
    """None when acceptable, else a key of PROBLEM_MESSAGES (the caller shows the message)."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return "too_common"
    if username and len(username) >= 3 and username.lower() in password.lower():
        return "contains_username"
    return None


def describe_problem(problem: str) -> str:
    """The translated sentence for a `password_problem` key."""
    return str(PROBLEM_MESSAGES[problem])
