"""Playing a hostile provider over real HTTP: canned answers queued in the loopback sandbox
(`POST /_sandbox/answers`), and prerequest bodies built around one good service."""

from __future__ import annotations

import json
from typing import Any

import requests

from webapp.sandbox import SandboxServer


def queue_answer(sandbox: SandboxServer, operation: str, body: str | dict[str, Any],
                 status: int = 200, times: int = 1) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    response = requests.post(f"{sandbox.url}/_sandbox/answers", timeout=5, json={
        "operation": operation, "body": text, "status": status, "times": times})
    response.raise_for_status()


def good_service(code: str = "test_usd") -> dict[str, Any]:
    return {
        "code": code, "method": "test", "currency": "USD", "amount_min": "0.01000000",
        "amount_max": "9999999.00000000", "exchange_rate": 1, "status": "available",
        "fields": [{"key": "account", "type": "string", "required": True,
                    "label": {"en": "Account"}, "hint": {"en": "Digits"},
                    "regexp": "^\\\\d{1,15}$", "weight": 1}],
    }


def prerequest_body(*services: dict[str, Any], methods: dict[str, Any] | None = None,
                    currency: str = "USD") -> dict[str, Any]:
    """The live shape: `data.attributes.{currency, test_mode, services, methods}`."""
    return {"data": {"type": "payout-prerequest", "attributes": {
        "currency": currency, "test_mode": True,
        "services": {s["code"]: s for s in services},
        "methods": methods if methods is not None else {
            "test": {"code": "test", "name": {"en": "Test method"}}},
    }}}
