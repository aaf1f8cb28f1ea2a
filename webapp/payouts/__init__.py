"""Payouts: the list, its export, each payout's page, the attention list and resubmission."""


# What other features may import: the list queries and filters (the dashboard).
PUBLIC_MODULES = ("listing", "list_filters")

__all__ = ["PUBLIC_MODULES"]
