"""The demo accounts. Plain data, no app imports: the launcher prints it before the app runs."""

from __future__ import annotations

from typing import NamedTuple


class DemoUser(NamedTuple):
    username: str
    password: str
    roles: tuple[str, ...]


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("operator", "amber-kestrel-41", ("operator",)),
    DemoUser("operator2", "copper-lantern-52", ("operator",)),
    DemoUser("manager", "silent-harbour-63", ("manager",)),
    DemoUser("manager2", "velvet-compass-74", ("manager",)),
    DemoUser("admin", "granite-meadow-85", ("admin",)),
    DemoUser("admin2", "quiet-orchard-19", ("admin",)),
    DemoUser("auditor", "paper-lighthouse-96", ("auditor",)),
)

# Roles that sign in with a second factor (webapp/auth/twofactor.REQUIRED_FOR).
SECOND_FACTOR_ROLES = ("manager", "admin")


def needs_second_factor(user: DemoUser) -> bool:
    return any(role in SECOND_FACTOR_ROLES for role in user.roles)
