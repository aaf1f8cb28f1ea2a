"""Forms of the batch pages. The service step reuses the single payout's `StartForm`."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired, Length

from webapp.lazy_text import lazy_gettext as _l
from webapp.new_payout.forms import CURRENCIES, MAX_AMOUNT_TEXT
from webapp.payout_core.fields import strip

FILE_TYPES = ["csv", "xlsx"]
_FILE_MESSAGE = _l("Upload a CSV or XLSX file.")


class ReuploadForm(FlaskForm):
    """A corrected file for a draft batch."""

    file = FileField(_l("Spreadsheet (CSV or XLSX)"),
                     validators=[FileRequired(_FILE_MESSAGE), FileAllowed(FILE_TYPES,
                                                                          _FILE_MESSAGE)],
                     render_kw={"accept": ".csv,.xlsx"})


class UploadForm(ReuploadForm):
    """A new batch: the service step's choice travels along (re-resolved on the server)."""

    currency = HiddenField(filters=[strip], validators=[InputRequired(), AnyOf(CURRENCIES)])
    amount = HiddenField(filters=[strip], validators=[InputRequired(),
                                                      Length(max=MAX_AMOUNT_TEXT)])
    service = HiddenField(filters=[strip], validators=[InputRequired(), Length(max=128)])

