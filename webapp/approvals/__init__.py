"""Managers approve or reject other people's payouts."""


# What other features may import: the one approval policy and its facts, the approval
# services, the payout fingerprint and the wording of a pre-flight refusal (batches).
PUBLIC_MODULES = ("services", "fingerprint", "policy", "facts", "preflight_text")

__all__ = ["PUBLIC_MODULES"]
