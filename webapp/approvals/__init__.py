"""Managers approve or reject other people's payouts."""

from webapp.approvals.routes import bp

# What other features may import: the approval limits and the payout fingerprint.
PUBLIC_MODULES = ("services", "fingerprint")

__all__ = ["PUBLIC_MODULES", "bp"]
