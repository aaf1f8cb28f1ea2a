"""A real SMTP server on loopback (aiosmtpd) and the app pointed at it for one test."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from webapp.extensions import db
from webapp.models import User
from webapp.notifications import addresses

BASE_URL = "https://desk.example.test"


@dataclass
class Inbox:
    """What the SMTP server received, one entry per DATA."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.messages if address in rcpts]

    def recipients(self) -> list[str]:
        return sorted(r for rcpts, _m in self.messages for r in rcpts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(app: Flask) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config.get(k) for k in ("SMTP_URL", "PUBLIC_BASE_URL", "MAIL_FROM")}
    app.config.update(SMTP_URL=f"smtp://127.0.0.1:{port}", PUBLIC_BASE_URL=BASE_URL,
                      MAIL_FROM="Payouts desk <desk@example.test>")
    try:
        yield inbox
    finally:
        app.config.update(saved)
        controller.stop()


@pytest.fixture
def person(make_user: Callable[..., User]) -> Callable[..., User]:
    """Factory: a user with a confirmed e-mail address `<name>@example.test`."""

    def make(name: str, *roles: Any, **attrs: Any) -> User:
        user = make_user(name, *roles, **attrs)
        addresses.set_address(user.id, f"{name}@example.test")
        db.session.commit()
        return user

    return make


def body(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())
