"""Batch payouts from a spreadsheet: upload, validate, approve as one item, run in the
background (see jobs.py)."""


# What other features may import (tests/architecture): the status names, for the audit log.
PUBLIC_MODULES = ("labels",)

__all__ = ["PUBLIC_MODULES"]
