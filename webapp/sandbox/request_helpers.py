"""Request helpers shared by the sandbox routes: the state, JSON bodies with Decimal numbers,
and the provider's two ways of authenticating."""

from __future__ import annotations

import hmac
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, request

from webapp.sandbox.store import SandboxState


def state() -> SandboxState:
    return current_app.config["SANDBOX_STATE"]


def read_json() -> dict[str, Any] | None:
    """The body as a JSON object, numbers with a fraction as Decimal; None if it is not one."""
    try:
        body = json.loads(request.get_data(), parse_float=Decimal)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def parse_amount(value: Any) -> Decimal | None:
    """A number or numeric string as a finite Decimal; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def private_auth_ok() -> bool:
    """HTTP Basic: user = account id, password = secret key."""
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return False
    current = state()
    return _same(auth.username, current.account_id) and _same(auth.password, current.secret_key)


def public_key_ok(key: Any) -> bool:
    return isinstance(key, str) and _same(key, state().public_key)


def access_level() -> str | None:
    """'private' for Basic auth, 'public' for a `public_key` query parameter, else None."""
    if private_auth_ok():
        return "private"
    if public_key_ok(request.args.get("public_key")):
        return "public"
    return None
