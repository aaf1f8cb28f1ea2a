"""Managers approve or reject other people's payouts."""


# What other features may import: the one approval policy and its facts, the approval
# services and the payout fingerprint.
PUBLIC_MODULES = ("services", "fingerprint", "policy", "facts")

__all__ = ["PUBLIC_MODULES"]
