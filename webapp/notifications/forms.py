"""The settings page's forms: one's own e-mail address, and per-event e-mail preferences."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from webapp.lazy_text import lazy_gettext as _l
from webapp.models.notification import Digest
from webapp.notifications import addresses
from webapp.notifications.events import EVENT_NAMES, Event
from webapp.notifications.preferences import DIGESTIBLE, Preference

DIGEST_CHOICES = [SelectChoice(Digest.IMMEDIATE.value, _l("At once")),
                  SelectChoice(Digest.HOURLY.value, _l("Hourly digest")),
                  SelectChoice(Digest.DAILY.value, _l("Daily digest"))]


def _looks_like_address(_form: FlaskForm, field: StringField) -> None:
    if field.data:
        try:
            addresses.clean(field.data)
        except addresses.AddressError:
            raise ValidationError(_l("Enter an e-mail address like name@example.com.")) from None


class AddressForm(FlaskForm):
    address = StringField(_l("E-mail address"),
                          validators=[Optional(), Length(max=254), _looks_like_address])


def preferences_form(current: dict[Event, Preference]) -> FlaskForm:
    """A fresh form class per call: a checkbox per event, a digest choice where it applies."""

    class PreferencesForm(FlaskForm):
        pass

    for event in Event:
        setattr(PreferencesForm, f"email_{event.value}",
                BooleanField(EVENT_NAMES[event], default=current[event].email))
        if event in DIGESTIBLE:
            setattr(PreferencesForm, f"digest_{event.value}",
                    SelectField(_l("How often"), choices=DIGEST_CHOICES,
                                default=current[event].digest.value))
    return PreferencesForm()
