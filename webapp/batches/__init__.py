"""Batch payouts from a spreadsheet: upload, validate, approve as one item, run in the
background (see jobs.py)."""


# What other features may import (tests/architecture): the status names, for the audit log;
# the batch in the approval policy's terms (notifications ask who may approve it).
PUBLIC_MODULES = ("labels", "approval")

__all__ = ["PUBLIC_MODULES"]
