"""Sign-in, profile and password forms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import get_timezone_gmt, get_timezone_location
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    Form,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.validators import DataRequired, EqualTo, Length

from webapp.auth.passwords import MAX_LENGTH, describe_problem, password_problem
from webapp.lazy_text import lazy_gettext as _l

LANGUAGE_CHOICES = [SelectChoice("en", "English"), SelectChoice("ru", "Русский"),
                    SelectChoice("uk", "Українська")]

# Zones people on the desk are likely to use; the list is checked against the system's tz data.
COMMON_TIMEZONES = (
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
    "Europe/Amsterdam", "Europe/Madrid", "Europe/Rome", "Europe/Warsaw", "Europe/Prague",
    "Europe/Vienna", "Europe/Stockholm", "Europe/Helsinki", "Europe/Riga", "Europe/Vilnius",
    "Europe/Tallinn", "Europe/Kyiv", "Europe/Chisinau", "Europe/Bucharest", "Europe/Sofia",
    "Europe/Athens", "Europe/Istanbul", "Europe/Minsk", "Europe/Moscow", "Asia/Tbilisi",
    "Asia/Yerevan", "Asia/Baku", "Asia/Dubai", "Asia/Almaty", "Asia/Tashkent", "Asia/Kolkata",
    "Asia/Bangkok", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
    "America/Sao_Paulo", "America/New_York", "America/Chicago", "America/Denver",
    "America/Los_Angeles", "Africa/Cairo", "Africa/Johannesburg", "Africa/Lagos",
)


def timezone_label(name: str, now: datetime | None = None) -> str:
    """A zone as people read it in their language: "Київ (GMT+02:00)", not "Europe/Kyiv"."""
    if name == "UTC":
        return "UTC"
    zone = ZoneInfo(name)
    locale = get_locale() or "en"
    city = get_timezone_location(zone, locale=locale, return_city=True)
    offset = get_timezone_gmt((now or datetime.now(UTC)).astimezone(zone), locale=locale)
    return f"{city} ({offset})"


def timezone_choices() -> list[SelectChoice]:
    known = available_timezones() | {"UTC"}
    now = datetime.now(UTC)
    return [SelectChoice(name, timezone_label(name, now)) for name in COMMON_TIMEZONES
            if name in known]


def valid_timezone(form: Form, field: Field) -> None:
    try:
        ZoneInfo(str(field.data))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(_l("Unknown time zone.")) from error


class StrongPassword:
    """The password policy as a WTForms validator; the owner's name comes from `username` or
    the form's `policy_username` (a password must not contain it)."""

    def __init__(self, username: str | None = None) -> None:
        self.username = username

    def __call__(self, form: Form, field: Field) -> None:
        username = self.username or getattr(form, "policy_username", None)
        problem = password_problem(field.data or "", username)
        if problem:
            raise ValidationError(describe_problem(problem))


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])


class PreferencesForm(FlaskForm):
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(_l("Time zone"), validators=[valid_timezone])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), StrongPassword()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )

    def __init__(self, *args: Any, username: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy_username = username


class SetupPasswordForm(FlaskForm):
    """The set-up link's form: the user's own new password, typed twice."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), StrongPassword()])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
