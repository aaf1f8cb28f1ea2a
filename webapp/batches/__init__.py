"""Batch payouts from a spreadsheet: upload, validate, approve as one item, run in the
background (see jobs.py)."""

from webapp.batches.labels import batch_status_label, row_state_label
from webapp.batches.routes import awaiting_batches, bp

bp.add_app_template_global(awaiting_batches, "awaiting_batches")
bp.add_app_template_global(batch_status_label, "batch_status_label")
bp.add_app_template_global(row_state_label, "row_state_label")

# What other features may import (tests/architecture): the status names, for the audit log.
PUBLIC_MODULES = ("labels",)

__all__ = ["PUBLIC_MODULES", "bp"]
