"""Forms of the guarded admin actions (approval limits)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DecimalField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp

from webapp.lazy_text import lazy_gettext as _l


class LimitForm(FlaskForm):
    currency = StringField(_l("Currency"), validators=[
        DataRequired(), Regexp(r"^(?:[A-Za-z]{3}|\*)$",
                               message=_l("Three letters, like EUR, or * for every currency."))],
        filters=[lambda value: value.strip().upper() if isinstance(value, str) else value])
    max_amount = DecimalField(
        _l("Most they may approve alone"), places=2,
        validators=[Optional(), NumberRange(min=0, max=10**12)],
        description=_l("Leave empty for no limit (needs a second admin)."))
