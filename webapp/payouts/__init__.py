"""Payouts: the list, its export, each payout's page, the attention list and resubmission."""


# What other features may import: the list queries and filters (the dashboard) and the
# spreadsheet formula guard of the export (batch error files).
PUBLIC_MODULES = ("listing", "list_filters", "export")

__all__ = ["PUBLIC_MODULES"]
