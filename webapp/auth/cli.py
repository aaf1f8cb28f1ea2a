"""`flask --app wsgi users …`: create, set-password, disable, enable, list.

Passwords never appear on the command line (where `ps` and shell history would keep them):
`--password-stdin` reads one line from standard input, otherwise the command prompts.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from webapp.auth import services
from webapp.extensions import db
from webapp.models import Role, User

users = AppGroup("users", help="Manage the desk's users.")

ROLE_CHOICE = click.Choice([role.value for role in Role], case_sensitive=False)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.ClickException("No password on standard input.")
        return line.rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _get(username: str) -> User:
    user = services.find_user(username)
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    return user


def _commit_or_fail(action: str) -> None:
    try:
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        raise click.ClickException(f"{action} failed: {error}") from error


@contextmanager
def _account_change(action: str) -> Iterator[None]:
    """Run a change the account rules may refuse; a refusal becomes the command's error, and
    anything else is committed."""
    try:
        yield
    except services.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    _commit_or_fail(action)


@users.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=ROLE_CHOICE,
              help="A role to give; repeat for several.")
@click.option("--display-name", default=None, help="Name shown in the desk.")
@click.option("--email", default=None, help="E-mail address for notifications.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(username: str, roles: tuple[str, ...], display_name: str | None,
           email: str | None, password_stdin: bool) -> None:
    """Create USERNAME with the given roles."""
    from webapp.notifications import addresses

    if email:
        try:
            email = addresses.clean(email)
        except addresses.AddressError:
            raise click.BadParameter(f"{email!r} is not an e-mail address",
                                     param_hint="--email") from None
    password = _read_password(password_stdin)
    with _account_change("Creating the user"):
        user = services.create_user(username, password, {Role(r.lower()) for r in roles},
                                    display_name=display_name)
        if email:
            db.session.flush()
            addresses.set_address(user.id, email)
    click.echo(f"Created {user.username} ({', '.join(sorted(r.value for r in user.roles))}).")


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password(username: str, password_stdin: bool) -> None:
    """Set USERNAME's password; every session of theirs ends."""
    user = _get(username)
    password = _read_password(password_stdin)
    with _account_change("Setting the password"):
        services.set_password(user, password)
    click.echo(f"Password of {user.username} changed; their sessions are signed out.")


@users.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable USERNAME and end their sessions (refused for the last active admin)."""
    user = _get(username)
    with _account_change("Disabling the user"):
        services.disable_user(user)
    click.echo(f"Disabled {user.username}.")


@users.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Enable a disabled USERNAME again."""
    user = _get(username)
    services.enable_user(user)
    _commit_or_fail("Enabling the user")
    click.echo(f"Enabled {user.username}.")


@users.command("limit")
@click.argument("username")
@click.argument("currency")
@click.argument("amount")
def limit(username: str, currency: str, amount: str) -> None:
    """Set USERNAME's approval limit in CURRENCY ("*": every currency without its own limit).
    AMOUNT is a number, "none" for no limit, or "remove" (cannot approve in CURRENCY)."""
    from decimal import Decimal, InvalidOperation

    from webapp.admin import limits

    user = _get(username)
    currency = currency.strip().upper()
    if currency != limits.EVERY_CURRENCY and not (len(currency) == 3 and currency.isalpha()):
        raise click.ClickException("CURRENCY is three letters, like EUR, or *.")
    if amount.lower() == "remove":
        limits.remove(user, currency, None)
    else:
        try:
            value = None if amount.lower() == "none" else Decimal(amount).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise click.ClickException("AMOUNT is a number, none or remove.") from None
        if value is not None and (not value.is_finite() or value < 0):
            raise click.ClickException("AMOUNT must be zero or more.")
        limits.apply(user, currency, value, None)
    _commit_or_fail("Setting the limit")
    click.echo(f"Approval limit of {user.username} in {currency}: {amount}.")


@users.command("list")
def list_users() -> None:
    """List every user with roles and state."""
    rows = db.session.scalars(db.select(User).order_by(User.username)).all()
    if not rows:
        click.echo("No users.")
        return
    width = max(len(u.username) for u in rows)
    for user in rows:
        roles = ",".join(sorted(r.value for r in user.roles)) or "-"
        state = "disabled" if user.disabled else "active"
        click.echo(f"{user.username:<{width}}  {state:<8}  {roles}")
