"""The recipient book: saved recipients and their payment details, "pay", and their history."""


# What other features may import: the book's queries (new payout fills its form from a saved
# detail and links the payout; batches name a recipient by reference; the dashboard counts).
PUBLIC_MODULES = ("book",)

__all__ = ["PUBLIC_MODULES"]
