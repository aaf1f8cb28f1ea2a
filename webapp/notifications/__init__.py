"""Notifications: who hears about which payout event, the in-app inbox and e-mail delivery."""


# What other features may import: e-mail addresses (the users CLI and admin pages set them).
PUBLIC_MODULES = ("addresses",)

__all__ = ["PUBLIC_MODULES"]
