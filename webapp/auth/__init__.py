"""Sign-in, sign-out, the profile page and the role guard."""

from webapp.auth import security_audit
from webapp.auth.access import role_label
from webapp.auth.routes import bp

assert security_audit.SECURITY_ACTION_LABELS  # importing it adds the audit labels
bp.add_app_template_global(role_label, "role_label")

# What other features may import: the role and step-up guards, accounts and sessions,
# the second factor, the password rule, set-up links and who administered which account;
# routes and the rest stay inside.
PUBLIC_MODULES = ("access", "stepup", "services", "sessions", "twofactor", "forms",
                  "setup_links", "account_changes")

__all__ = ["PUBLIC_MODULES", "bp"]
