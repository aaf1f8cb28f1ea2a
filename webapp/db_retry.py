"""One retry for a request that hit a dead database connection before it did anything, and
no 500 for a request whose connection died after it had answered.

Pre-ping (webapp/config.py) replaces connections the database dropped while they sat in the
pool. A connection dropped *during* a request (a restart, a failover, pg_terminate_backend)
still fails that request: the error reaches the view in the middle of its work. Retrying is
safe only when nothing outside the rolled-back transaction happened yet, so the request runs
again once, from the start, only if it has neither committed nor called the provider. One
that had (or that fails again) answers 503 with a page saying its work may be partly saved:
honest, and retryable by the person, instead of a bare 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, render_template
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.observability.context import forget_side_effects, note_side_effect, side_effect

log = logging.getLogger(__name__)
def _after_commit(_session: Session) -> None:
    note_side_effect("commit")


def is_retryable(error: BaseException) -> bool:
    """A lost connection (SQLAlchemy has invalidated it), and nothing done that a rerun would
    repeat."""
    return (isinstance(error, DBAPIError) and error.connection_invalidated
            and side_effect() is None)


def is_disconnect(error: BaseException) -> bool:
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def interrupted_page() -> Response:
    db.session.rollback()
    db.session.remove()
    try:
        body = render_template("errors/503.html")
    except Exception:  # the page itself may need the database
        body = "The connection to the database was interrupted. Open the page again."
    return Response(body, status=503, headers={"Retry-After": "5"})


def close_quietly(_error: BaseException | None = None) -> None:
    """End the request's session before Flask-SQLAlchemy removes it. A connection killed while
    it sat idle in the transaction fails the closing ROLLBACK, which would turn an answer
    already made into a 500: drop such a connection instead (nothing was left to roll back
    that the database has not discarded with the backend)."""
    try:
        db.session.close()
    except DBAPIError as error:
        log.warning("database connection lost at the end of the request (%s); dropped",
                    type(error.orig).__name__)
        db.session().invalidate()


def init_app(app: Flask) -> None:
    # Registered after Flask-SQLAlchemy's own teardown, so it runs before it.
    app.teardown_appcontext(close_quietly)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
    run_once = app.full_dispatch_request

    def full_dispatch_request() -> Any:
        forget_side_effects()
        try:
            return run_once()
        except DBAPIError as error:
            if not is_disconnect(error):
                raise
            if is_retryable(error):
                log.warning("database connection lost before the request did anything (%s);"
                            " running it once more", type(error.orig).__name__)
                db.session.rollback()
                db.session.remove()
                try:
                    return run_once()
                except DBAPIError as again:
                    if not is_disconnect(again):
                        raise
            log.warning("database connection lost after the request had %s; answering 503",
                        side_effect() or "failed twice")
            return app.finalize_request(interrupted_page())

    app.full_dispatch_request = full_dispatch_request  # type: ignore[method-assign]
