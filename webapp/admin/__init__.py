"""Administration: users and roles (admins), the audit log (admins and auditors)."""

from webapp.admin.routes import bp

__all__ = ["bp"]
