"""Batch payouts from a spreadsheet: upload, validate, approve as one item, run in the
background (see jobs.py)."""

from flask import Blueprint

bp = Blueprint("batches", __name__, url_prefix="/batches")

from webapp.batches import routes  # noqa: E402, F401
from webapp.batches.labels import batch_status_label, row_state_label  # noqa: E402
from webapp.batches.routes import awaiting_batches  # noqa: E402

bp.add_app_template_global(awaiting_batches, "awaiting_batches")
bp.add_app_template_global(batch_status_label, "batch_status_label")
bp.add_app_template_global(row_state_label, "row_state_label")
