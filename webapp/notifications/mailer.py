"""SMTP: open a session from SMTP_URL and hand over one message in steps, so the caller can
record "sending" after the server accepted sender and recipient and before the message itself.

smtp://user:pass@host:587 upgrades with STARTTLS when the server offers it; smtps:// speaks TLS
from the start. No SMTP_URL: e-mail is off and nothing here is called.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from urllib.parse import urlsplit

from webapp.smtp import smtp_address, smtp_session

TIMEOUT = 10.0
log = logging.getLogger(__name__)


class SmtpRefused(Exception):
    """The server refused before the message was handed over: nothing was sent, try later."""


class LogServer:
    """SMTP_URL=log:// (demo and development only): each message is printed to the log
    instead of being sent, so a newcomer sees the e-mails the desk would send."""

    def mail(self, sender: str) -> tuple[int, bytes]:
        self.sender = sender
        return 250, b"OK"

    def rcpt(self, recipient: str) -> tuple[int, bytes]:
        self.recipient = recipient
        return 250, b"OK"

    def rset(self) -> None:
        return None

    def data(self, content: bytes) -> tuple[int, bytes]:
        from email import message_from_bytes
        from email import policy as email_policy

        message = message_from_bytes(content, policy=email_policy.default)
        text = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
        log.info("e-mail (printed, not sent) to %s\nSubject: %s\n\n%s", self.recipient,
                 message["Subject"], text.get_content() if text is not None else "")
        return 250, b"OK"


@contextmanager
def session(url: str) -> Iterator[smtplib.SMTP]:
    """A greeted (and, when configured, logged-in) SMTP session; closed on exit."""
    if urlsplit(url).scheme == "log":
        yield LogServer()  # type: ignore[misc]
        return
    try:
        address = smtp_address(url)
    except ValueError as error:
        raise SmtpRefused(str(error)) from None
    with smtp_session(address, TIMEOUT) as server:
        yield server


def envelope(server: smtplib.SMTP, sender: str, recipient: str) -> None:
    """MAIL FROM and RCPT TO; a refusal raises SmtpRefused (nothing was sent)."""
    code, _answer = server.mail(sender)
    if code != 250:
        server.rset()
        raise SmtpRefused(f"sender refused ({code})")
    code, _answer = server.rcpt(recipient)
    if code not in (250, 251):
        server.rset()
        raise SmtpRefused(f"recipient refused ({code})")


def hand_over(server: smtplib.SMTP, message: EmailMessage) -> None:
    """DATA: after this call returns the server has taken the message."""
    server.data(message.as_bytes())


def compose(sender: str, recipient: str, subject: str, text: str, html: str,
            message_id: str, language: str) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML second."""
    from email import policy
    from email.utils import formatdate

    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = formatdate(usegmt=True)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language  # after set_content, which drops Content-* headers
    return message
