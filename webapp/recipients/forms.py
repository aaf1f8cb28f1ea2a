"""The recipient's own fields, and the payment-details form: the new-payout form of the chosen
service (webapp/new_payout/forms.py `build_payout_form`), so saved values are checked exactly
as a payout's would be against the service's current schema."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Email, InputRequired, Optional, Regexp

from webapp.lazy_text import lazy_gettext as _l
from webapp.new_payout.forms import PayoutFormBase, build_payout_form
from webapp.payout_core.fields import TextLength, strip
from webapp.provider.types import PayoutService

REFERENCE = r"^[A-Za-z0-9._:\-]+$"


class RecipientForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip],
                       validators=[InputRequired(), TextLength(255)],
                       render_kw={"autocomplete": "off"})
    email = StringField(_l("Email"), filters=[strip],
                        validators=[Optional(), TextLength(255), Email()],
                        render_kw={"inputmode": "email", "autocomplete": "off",
                                   "spellcheck": "false"})
    phone = StringField(_l("Phone"), filters=[strip],
                        validators=[Optional(), TextLength(32),
                                    Regexp(r"^\+?[0-9][0-9 ()\-]{4,31}$",
                                           message=_l("Digits, optionally starting with +."))],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    reference = StringField(
        _l("Reference"), filters=[strip],
        validators=[Optional(), TextLength(64),
                    Regexp(REFERENCE, message=_l("Use letters, digits and . _ : - only."))],
        description=_l("Your id for this recipient: sent with their payouts, and batch files "
                       "can name the recipient by it."),
        render_kw={"autocomplete": "off", "spellcheck": "false"})


class ConfirmForm(FlaskForm):
    """A POST button's form: the CSRF token only."""


def details_form(service: PayoutService, language: str) -> type[PayoutFormBase]:
    """The payout form of `service` without its one-time submission token (nothing is sent):
    the amount is the one the services were listed for, remembered for "pay"."""
    base = build_payout_form(service, language)
    return type(base.__name__ + "_Saved", (base,), {"submission_token": HiddenField()})
