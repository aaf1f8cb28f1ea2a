"""Notification e-mails in the recipient's language, with links to the exact page.

Links are made with `url_for` in a request context built on PUBLIC_BASE_URL, so they point to
where people open the desk, not to the worker's host.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parseaddr

from flask import current_app, render_template, url_for
from flask_babel import force_locale, ngettext

from webapp.models import Notification, User
from webapp.notifications.events import Event, Wording, wording


@dataclass(frozen=True)
class Item:
    wording: Wording
    link: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    language: str


def language_of(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.language if user.language in languages else str(
        current_app.config["BABEL_DEFAULT_LOCALE"])


def link_of(notification: Notification) -> str:
    """The page the notification is about (inside a request context)."""
    subject_id = notification.subject_id
    if notification.subject == "payout" and subject_id:
        return url_for("payouts.detail", payout_id=subject_id, _external=True)
    if notification.subject == "batch" and subject_id:
        return url_for("batches.detail", batch_id=subject_id, _external=True)
    if notification.subject == "change":
        return url_for("admin.pending", _external=True)
    if notification.subject == "user" and subject_id:
        return url_for("admin.user", user_id=subject_id, _external=True)
    return url_for("notifications.inbox", _external=True)


def render(user: User, notifications: Sequence[Notification]) -> Rendered:
    """One e-mail for `notifications` (one, or a digest of several) to `user`."""
    language = language_of(user)
    base = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context("/", base_url=base), force_locale(language):
        items = [Item(wording(n.event, n.params), link_of(n)) for n in notifications]
        if len(items) == 1:
            subject = items[0].wording.subject
        else:
            subject = ngettext("%(num)d payout waits for your approval",
                               "%(num)d payouts wait for your approval", len(items))
        context = {"subject": subject, "items": items,
                   "inbox_url": url_for("notifications.inbox", _external=True),
                   "settings_url": url_for("notifications.settings", _external=True),
                   "digest": len(items) > 1}
        text = render_template("notifications/email.txt", **context)
        html = render_template("notifications/email.html", **context)
    return Rendered(subject=subject, text=text, html=html, language=language)


def message_id(name: str) -> str:
    """A Message-ID fixed by the notification (or digest), the same on every attempt."""
    _, sender = parseaddr(current_app.config.get("MAIL_FROM") or "")
    domain = sender.rpartition("@")[2] or "payouts-desk.invalid"
    return f"<{name}@{domain}>"


__all__ = ["Event", "Rendered", "language_of", "message_id", "render"]
