"""The payouts list's filters: GET parameters in, a typed `Filters` out, errors beside fields.

The same form serves the list, its htmx fragment and the exports, so a bookmarked or shared URL
means the same rows everywhere. Invalid input never fails the page: the field gets a message and
the filter it would have made is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from flask_babel import get_timezone
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.lazy_text import lazy_gettext as _l
from webapp.models import PayoutStatus
from webapp.payout_core.labels import STATUS_LABELS
from webapp.payout_core.money import AmountError, read_amount
from webapp.query_args import bounded_int

FILTER_KEYS = ("q", "status", "currency", "service", "creator", "created_from", "created_to",
               "amount_min", "amount_max")


MIN_YEAR, MAX_YEAR = 2000, 2999


def day_start_utc(day: date, zone: tzinfo) -> datetime:
    """Midnight of `day` in `zone`, as UTC. pytz zones (Flask-Babel's) must be `localize`d."""
    midnight = datetime.combine(day, time())
    localize = getattr(zone, "localize", None)
    local = localize(midnight) if localize else midnight.replace(tzinfo=zone)
    return local.astimezone(UTC)


def parse_decimal(text: str) -> Decimal:
    """The new-payout form's reading rule (groups of three, one decimal separator, ambiguous
    texts refused); raises ValueError."""
    try:
        return read_amount(text)
    except AmountError as exc:
        raise ValueError(text) from exc


def _amount(form: FlaskForm, field: StringField) -> None:
    if field.data and field.data.strip():
        try:
            read_amount(field.data)
        except AmountError as exc:
            raise ValidationError(str(exc.message)) from None


def _sane_date(form: FlaskForm, field: DateField) -> None:
    """Year 1 or 9999 parse, but a day before or after them in the user's zone does not."""
    if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
        raise ValidationError(_l("Enter a date between the years %(low)s and %(high)s.",
                                 low=MIN_YEAR, high=MAX_YEAR))


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return bounded_int(value)


@dataclass(frozen=True)
class Filters:
    """What narrows the list; dates already in UTC (`created_before` is exclusive)."""

    q: str | None = None
    statuses: tuple[str, ...] = ()
    currency: str | None = None
    service: str | None = None
    creator_id: int | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


class PayoutFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=255)],
                    description=_l("Reference, provider invoice, recipient name or e-mail"))
    status = SelectMultipleField(
        _l("Status"), choices=[SelectChoice(s.value, STATUS_LABELS[s]) for s in PayoutStatus],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )
    currency = SelectField(_l("Currency"), validate_choice=False)
    service = SelectField(_l("Service"), validate_choice=False)
    creator = SelectField(_l("Created by"), coerce=_optional_int, validate_choice=False)
    created_from = DateField(_l("Created from"), validators=[Optional(), _sane_date])
    created_to = DateField(_l("Created to"), validators=[Optional(), _sane_date])
    amount_min = StringField(_l("Amount from"), validators=[Optional(), Length(max=32), _amount])
    amount_max = StringField(_l("Amount to"), validators=[Optional(), Length(max=32), _amount])

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> PayoutFilterForm:
        form = cls(formdata=args)
        form.set_choices([], [], [])
        form.validate()
        return form

    def set_choices(self, currencies: list[str], services: list[str],
                    creators: list[tuple[int, str]]) -> None:
        """Options for the selects; a bookmarked value that no longer exists stays selectable."""
        anything = SelectChoice("", str(_l("Any")))
        self.currency.choices = [anything, *_with_current(currencies, self.currency.data)]
        self.service.choices = [anything, *_with_current(services, self.service.data)]
        people = [SelectChoice(str(i), name) for i, name in creators]
        chosen = self.creator.data
        if chosen is not None and str(chosen) not in {p.value for p in people}:
            people.append(SelectChoice(str(chosen), f"#{chosen}"))
        self.creator.choices = [anything, *people]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        low, high = self._ok("amount_min"), self._ok("amount_max")
        if low and high and parse_decimal(low) > parse_decimal(high):
            self.amount_max.errors = [*self.amount_max.errors,
                                      str(_l("Must not be less than the amount from."))]
            valid = False
        start, end = self._ok("created_from"), self._ok("created_to")
        if start and end and start > end:
            self.created_to.errors = [*self.created_to.errors,
                                      str(_l("Must not be before the start date."))]
            valid = False
        return valid

    def _ok(self, name: str) -> Any:
        """The field's value if it parsed without error, else None."""
        field = self[name]
        blank = isinstance(field.data, str) and not field.data.strip()  # "\x1f" too
        if field.errors or field.data in (None, "", []) or blank:
            return None
        return field.data

    def filters(self) -> Filters:
        """The valid part of the input; fields with errors do not filter."""
        zone = get_timezone() or UTC
        start, end = self._ok("created_from"), self._ok("created_to")
        low, high = self._ok("amount_min"), self._ok("amount_max")
        q = (self._ok("q") or "").strip()
        return Filters(
            q=q or None,
            statuses=tuple(self._ok("status") or ()),
            currency=self._ok("currency"),
            service=self._ok("service"),
            creator_id=self._ok("creator"),
            created_from=day_start_utc(start, zone) if start else None,
            created_before=day_start_utc(end + timedelta(days=1), zone) if end else None,
            amount_min=parse_decimal(low) if low else None,
            amount_max=parse_decimal(high) if high else None,
        )

    def query_pairs(self) -> list[tuple[str, str]]:
        """The filter parameters as given (to carry into page and export links)."""
        pairs: list[tuple[str, str]] = []
        for key in FILTER_KEYS:
            raw = self[key].raw_data or []
            pairs.extend((key, value) for value in raw if value)
        return pairs

    @property
    def active(self) -> bool:
        return bool(self.query_pairs())


def _with_current(values: list[str], current: str | None) -> list[SelectChoice]:
    options = list(values)
    if current and current not in options:
        options.append(current)
    return [SelectChoice(v, v) for v in options]
