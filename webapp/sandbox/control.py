"""Test controls under `/_sandbox/`: inject faults, reset, read counters, lose callbacks.
They are not part of the provider's API and need no credentials (the sandbox is loopback)."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response

from webapp.sandbox import overrides
from webapp.sandbox.canned import queue_answer
from webapp.sandbox.request_helpers import parse_amount, read_json, state
from webapp.sandbox.store import FAULTS, OPERATIONS
from webapp.sandbox.views import json_response, validation_error

bp = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")


@bp.post("/faults")
def inject_fault() -> Response:
    """JSON {operation, fault, times=1} → 200 {"data": {"faults": {...queued...}}}."""
    body = read_json() or {}
    operation, fault, times = body.get("operation"), body.get("fault"), body.get("times", 1)
    errors: dict[str, str] = {}
    if operation not in OPERATIONS:
        errors["operation"] = "One of: " + ", ".join(OPERATIONS) + "."
    if fault not in FAULTS:
        errors["fault"] = "One of: " + ", ".join(FAULTS) + "."
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        errors["times"] = "This value should be a positive integer."
    if errors:
        return validation_error(errors)
    state().inject(str(operation), str(fault), times)
    return json_response({"data": {"faults": state().stats()["faults"]}})


@bp.post("/answers")
def canned_answer() -> Response:
    """JSON {operation, body (JSON text), status=200, times=1}: the next calls of `operation`
    answer with exactly that body."""
    body = read_json() or {}
    operation, text = body.get("operation"), body.get("body")
    status, times = body.get("status", 200), body.get("times", 1)
    errors: dict[str, str] = {}
    if operation not in OPERATIONS:
        errors["operation"] = "One of: " + ", ".join(OPERATIONS) + "."
    if not isinstance(text, str):
        errors["body"] = "This value should be of type string."
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        errors["status"] = "This value should be an HTTP status."
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        errors["times"] = "This value should be a positive integer."
    if errors:
        return validation_error(errors)
    queue_answer(state(), str(operation), str(text), int(status), int(times))
    return json_response({"data": {"queued": True}})


@bp.get("/faults")
def list_faults() -> Response:
    return json_response({"data": {"faults": state().stats()["faults"]}})


@bp.post("/reset")
def reset() -> Response:
    state().reset()
    return json_response({"data": {"reset": True}})


@bp.get("/stats")
def stats() -> Response:
    return json_response({"data": state().stats()})


@bp.post("/callbacks")
def callbacks() -> Response:
    """JSON {"enabled": false} loses every callback from now on; true delivers them again."""
    body = read_json() or {}
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        return validation_error({"enabled": "This value should be of type bool."})
    with state().lock:
        state().callbacks_enabled = enabled
    return json_response({"data": {"enabled": enabled}})


@bp.post("/options")
def options() -> Response:
    """JSON {"hold_created_seconds": N}: process answers 2xx and keeps the invoice `created`
    for N seconds before processing starts (0 = start at once). Reset restores 0."""
    body = read_json() or {}
    hold = body.get("hold_created_seconds")
    if isinstance(hold, bool) or not isinstance(hold, int | Decimal) or not 0 <= hold <= 86400:
        return validation_error({"hold_created_seconds": "A number of seconds, 0 to 86400."})
    with state().lock:
        state().hold_created_seconds = float(hold)
    return json_response({"data": {"hold_created_seconds": float(hold)}})


@bp.get("/totals")
def totals() -> Response:
    """The provider-side totals: every invoice, create and process requests per key."""
    return json_response({"data": state().provider_totals()})


@bp.post("/services/<code>")
def change_service(code: str) -> Response:
    """JSON {gone, status, amount_min, amount_max, rate_factor} (any of them; {} restores):
    the catalogue changes behind the desk's back, as a provider's does."""
    body = read_json()
    if body is None or set(body) - set(overrides.KNOWN):
        return validation_error({"body": "An object with: " + ", ".join(overrides.KNOWN)})
    changes: dict[str, object] = {}
    for name, value in body.items():
        if name == "gone":
            if not isinstance(value, bool):
                return validation_error({name: "This value should be of type bool."})
            changes[name] = value
        elif name == "status":
            if not isinstance(value, str):
                return validation_error({name: "This value should be of type string."})
            changes[name] = value
        else:
            amount = parse_amount(value)
            if amount is None or amount <= 0:
                return validation_error({name: "This value should be a positive number."})
            changes[name] = amount
    return json_response({"data": {code: {k: str(v) for k, v in
                                          overrides.set_override(state(), code, changes).items()}}})
