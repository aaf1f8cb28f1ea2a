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
READ_CHUNK = 64 * 1024


def read_capped(limit: int) -> bytes | None:
    """The body, read in chunks and given up as soon as it passes `limit` bytes (a chunked
    body has no Content-Length to check first); None when too large."""
    if (request.content_length or 0) > limit:
        return None
    stream = request.stream
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


@bp.route("/paymega", methods=["POST"])
@csrf.exempt
@limiter.limit("100/second")  # the provider retries; a flood from one address is cut
def paymega() -> Response:
    raw = read_capped(MAX_BODY)
    if raw is None:
        return Response("too large", status=413, mimetype="text/plain")
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
