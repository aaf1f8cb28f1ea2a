"""Administration: users and roles (admins), the audit log (admins and auditors)."""


# What other features may import: the approval limits (the approval policy reads them).
PUBLIC_MODULES = ("limits",)

__all__ = ["PUBLIC_MODULES"]
