"""New payout: pick currency and amount, choose a provider service, fill its recipient form."""


# What other features may import: the recipient form built from a provider service
# (batches validate their rows with it).
PUBLIC_MODULES = ("forms",)

__all__ = ["PUBLIC_MODULES"]
