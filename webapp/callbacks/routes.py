"""POST /callbacks/paymega: verify, record, answer 200 fast; the worker fetches and applies."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from webapp.callbacks.services import UnreadableCallback, accept, apply_callback_task
from webapp.callbacks.signature import is_valid
from webapp.degraded import enqueue_or_defer
from webapp.extensions import csrf, limiter

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


@bp.route("/paymega", methods=["POST"])
@csrf.exempt
@limiter.limit("100/second")  # the provider retries; a flood from one address is cut
def paymega() -> Response:
    if (request.content_length or 0) > MAX_BODY:
        return Response("too large", status=413, mimetype="text/plain")
    raw = request.get_data(cache=False)
    if not is_valid(raw, request.headers.get("X-Signature"),
                    current_app.config["PAYMEGA_SECRET_KEY"]):
        log.warning("callback with a bad or missing signature from %s", request.remote_addr)
        return Response("forbidden", status=403, mimetype="text/plain")
    try:
        accepted = accept(raw)
    except UnreadableCallback as exc:
        log.warning("signed callback not readable: %s", exc)
        return Response("unreadable", status=400, mimetype="text/plain")
    if accepted.log_id is not None and accepted.outcome == "received":
        # Stored already: if the queue is away, the worker's sweep applies it later.
        enqueue_or_defer(apply_callback_task, accepted.log_id, sweep="waiting callbacks sweep")
    return Response(accepted.outcome, status=200, mimetype="text/plain")
