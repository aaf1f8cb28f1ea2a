"""Per-browser sessions: each sign-in is a UserSession row whose token the Flask session carries.

Ending the row ends that browser's session at its next request; "sign out everywhere", a new
password, disabling or an admin end every row of the user at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_request_context, request, session
from flask_login import current_user, login_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.i18n import LANGUAGE_SESSION_KEY
from webapp.models import User, UserSession
from webapp.models.base import utcnow

# last_seen_at is written at most this often, so reading pages does not mean writing rows; the
# cookie is signed again as often (RENEWED_KEY holds when, in the cookie itself).
TOUCH_EVERY = timedelta(minutes=1)
RENEWED_KEY = "_renewed"


# One statement for the row, its user and the user's roles (every page checks a role; the
# page-query budgets count statements), built once: every request runs it.
_SESSION_BY_TOKEN = (select(UserSession)
                     .options(joinedload(UserSession.user).joinedload(User.role_rows))
                     .where(UserSession.token == bindparam("token")))


def _idle_limit() -> timedelta:
    return current_app.permanent_session_lifetime


def open_session(user: User, ip: str | None = None, user_agent: str | None = None
                 ) -> UserSession:
    """A new session row for `user` (added to the current transaction); `user.get_id()` then
    names it."""
    if has_request_context():
        ip = ip or request.remote_addr
        user_agent = user_agent or request.headers.get("User-Agent")
    row = UserSession(user_id=user.id, ip=(ip or "")[:64] or None,
                      user_agent=(user_agent or "")[:200] or None)
    db.session.add(row)
    db.session.flush()
    user.session_token = row.token
    return row


def find_active(user_id: int, token: str, now: datetime | None = None) -> UserSession | None:
    """The session row named by a cookie, if it is still alive (not ended, not idle too long)."""
    row = db.session.scalars(_SESSION_BY_TOKEN, {"token": token}).unique().first()
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return None
    now = now or utcnow()
    if now - row.last_seen_at > _idle_limit():
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    if has_request_context():
        _renew_cookie(now)
    return row


def _renew_cookie(now: datetime) -> None:
    """Sign the cookie again (its 8 hours start again) once it is a minute old, as the row's
    last-seen time is; not on every page, which cost each request a signature. Decided by the
    cookie's own stamp, so a lost response only delays the renewal to the next request."""
    stamp = int(now.timestamp())
    if stamp - int(session.get(RENEWED_KEY, 0)) >= TOUCH_EVERY.total_seconds():
        session[RENEWED_KEY] = stamp


def current_session() -> UserSession | None:
    """The row of the signed-in browser making this request."""
    if not current_user.is_authenticated or not current_user.session_token:
        return None
    return db.session.scalar(
        select(UserSession).where(UserSession.token == current_user.session_token))


def active_sessions(user: User) -> list[UserSession]:
    cutoff = utcnow() - _idle_limit()
    return list(db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               UserSession.last_seen_at > cutoff)
        .order_by(UserSession.last_seen_at.desc())
    ))


def end_session(row: UserSession, reason: str) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == row.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason[:32])
        .execution_options(synchronize_session=False)
    )


def end_all(user: User, reason: str) -> int:
    """End every open session of `user`; returns how many were open."""
    return db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason[:32])
        .execution_options(synchronize_session=False)
    ).rowcount


def start_session(user: User) -> None:
    """A fresh session for `user`: nothing from before sign-in survives except the language."""
    clear_session()
    open_session(user)
    db.session.commit()
    login_user(user, remember=False)
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME of inactivity


def clear_session() -> None:
    language = session.get(LANGUAGE_SESSION_KEY)
    session.clear()
    if language:
        session[LANGUAGE_SESSION_KEY] = language
