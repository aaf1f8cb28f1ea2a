"""Forms of the two-factor pages: one code box each, plus the CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from webapp.lazy_text import lazy_gettext as _l


def _code_field(label: str | None = None) -> StringField:
    return StringField(label or _l("Code"), validators=[DataRequired(), Length(max=32)])


class SecondFactorForm(FlaskForm):
    """Sign-in's second step: a code from the authenticator app or a backup code."""

    code = _code_field(_l("Code from your authenticator app, or a backup code"))


class TotpCodeForm(FlaskForm):
    """A fresh code from the authenticator app (enrolment, step-up, switching off)."""

    code = _code_field(_l("Six-digit code from your authenticator app"))


class ButtonForm(FlaskForm):
    """A state-changing button: nothing but the CSRF token."""
