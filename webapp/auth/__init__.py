"""Sign-in, sign-out, the profile page and the role guard."""

# What other features may import: the role and step-up guards, accounts and sessions,
# the second factor, the password rule, set-up links and who administered which account;
# routes and the rest stay inside.
PUBLIC_MODULES = ("access", "stepup", "services", "sessions", "twofactor", "forms",
                  "setup_links", "account_changes")

__all__ = ["PUBLIC_MODULES"]
