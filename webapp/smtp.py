"""One way to open an SMTP session from SMTP_URL, shared by the mailer (webapp/notifications)
and `flask check`: smtp://user:pass@host:587 upgrades with STARTTLS when the server offers it;
smtps://… speaks TLS from the start. The session is greeted and, with a user in the URL, logged
in; it is closed on exit whatever happened."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple
from urllib.parse import unquote, urlsplit


class SmtpAddress(NamedTuple):
    host: str
    port: int
    secure: bool
    username: str | None
    password: str | None


def smtp_address(url: str) -> SmtpAddress:
    """SMTP_URL's parts; ValueError when it is not smtp:// or smtps:// with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL is not smtp:// or smtps://")
    secure = parts.scheme == "smtps"
    return SmtpAddress(parts.hostname, parts.port or (465 if secure else 587), secure,
                       unquote(parts.username) if parts.username else None,
                       unquote(parts.password or ""))


@contextmanager
def smtp_session(address: SmtpAddress, timeout: float) -> Iterator[smtplib.SMTP]:
    server: smtplib.SMTP
    if address.secure:
        server = smtplib.SMTP_SSL(address.host, address.port, timeout=timeout,
                                  context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(address.host, address.port, timeout=timeout)
    try:
        server.ehlo()
        if not address.secure and server.has_extn("starttls"):
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        if address.username:
            server.login(address.username, address.password or "")
        yield server
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
