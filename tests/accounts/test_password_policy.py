"""Argon2id at OWASP's cost, read back from the produced hash; the length and common-list rules."""

from __future__ import annotations

import pytest
from argon2 import Type as ArgonType
from argon2 import extract_parameters

from webapp.auth.passwords import (
    HASHER,
    PROBLEM_MESSAGES,
    hash_password,
    password_problem,
    verify_password,
)


def test_hash_is_argon2id_with_owasp_parameters() -> None:
    produced = hash_password("a-long-enough-passphrase")
    assert produced.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    params = extract_parameters(produced)
    assert params.type is ArgonType.ID
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)
    assert params.salt_len >= 16 and params.hash_len >= 32
    assert not HASHER.check_needs_rehash(produced)


def test_each_hash_is_salted() -> None:
    assert hash_password("same-password-twice") != hash_password("same-password-twice")


def test_verify() -> None:
    produced = hash_password("a-long-enough-passphrase")
    assert verify_password(produced, "a-long-enough-passphrase")
    assert not verify_password(produced, "a-long-enough-passphrasE")
    assert not verify_password(None, "a-long-enough-passphrase")
    assert not verify_password("not-a-hash", "a-long-enough-passphrase")


@pytest.mark.parametrize(("password", "problem"), [
    ("short-pass1", "too_short"),  # 11 characters
    ("twelve-chars", None),
    ("x" * 256, "too_common"),  # long enough, but one repeated character
    ("ab" * 129, "too_long"),
    ("Password1234", "too_common"),
    ("QWERTY123456", "too_common"),
    ("administrator", "too_common"),
    ("aaaabbbbaaaa", "too_common"),  # fewer than 4 distinct characters
    ("olga-likes-tea", "contains_username"),
])
def test_policy(password: str, problem: str | None) -> None:
    assert password_problem(password, "olga") == problem


def test_every_problem_has_a_message() -> None:
    samples = ("short", "x" * 300, "password1234", "olga12345678")
    keys = {password_problem(p, "olga") for p in samples}
    assert keys == set(PROBLEM_MESSAGES)
