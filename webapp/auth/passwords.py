"""Password hashing with Argon2id at OWASP's recommended cost, and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1 (minimum recommended).
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
MIN_LENGTH = 12
COMMON_PASSWORDS = frozenset({
    "123456789012", "password1234", "passwordpassword", "qwertyuiopas", "111111111111",
    "123123123123", "iloveyou1234", "adminadmin12", "welcome12345", "letmein12345",
    "qwerty123456", "password123!", "changeme1234", "administrator", "1q2w3e4r5t6y",
    "abc123abc123", "monkeymonkey", "football1234", "baseball1234", "sunshine1234",
})
# Verifying against this keeps the time of an unknown username equal to a wrong password.
DUMMY_HASH = HASHER.hash("dummy-password-for-timing")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return HASHER.verify(password_hash or DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """None when acceptable, else an English msgid (translated by the caller)."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return "too_common"
    return None
