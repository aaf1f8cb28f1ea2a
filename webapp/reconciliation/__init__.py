"""Reconciliation with the provider: runs that walk the provider's invoice list for a period,
the differences they find, and the page that shows them. Other features read only `summary`."""

PUBLIC_MODULES = ("summary",)
