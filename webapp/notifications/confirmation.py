"""The e-mail that confirms a new address: sent by the worker to the new address, in the
person's language, with the link to the confirmation page (the token travels only there)."""

from __future__ import annotations

import logging
import smtplib

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import User
from webapp.notifications import addresses, mailer
from webapp.notifications.render import language_of, message_id
from webapp.queue import job

log = logging.getLogger(__name__)


@job(retries=3, retry_delay=60)
def send_confirmation(user_id: int, token: str) -> bool:
    url, sender = current_app.config.get("SMTP_URL"), current_app.config.get("MAIL_FROM")
    user = db.session.get(User, user_id)
    address = addresses.pending_of(user_id)
    if not (url and sender and user and address):
        log.info("address confirmation for user %s not e-mailed (e-mail is off)", user_id)
        return False
    language = language_of(user)
    base = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context("/", base_url=base), force_locale(language):
        link = url_for("notifications.confirm_page", token=token, _external=True)
        subject = _("Confirm your e-mail address for the payouts desk")
        context = {"subject": subject, "link": link, "name": user.username}
        text = render_template("notifications/confirm_email.txt", **context)
        html = render_template("notifications/confirm_email.html", **context)
    message = mailer.compose(sender, address, subject, text, html,
                             message_id(f"confirm-{user_id}-{token[:12]}"), language)
    try:
        with mailer.session(url) as server:
            mailer.envelope(server, sender, address)
            mailer.hand_over(server, message)
    except (OSError, smtplib.SMTPException, mailer.SmtpRefused) as error:
        log.warning("address confirmation for user %s not sent: %s", user_id,
                    type(error).__name__)
        raise
    return True
