"""People who use the desk and the roles that decide what they may do."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import UTCDateTime, utcnow


class Role(enum.StrEnum):
    OPERATOR = "operator"
    MANAGER = "manager"
    ADMIN = "admin"
    AUDITOR = "auditor"


# Administering accounts and moving money are separate duties: nobody holds both.
MONEY_ROLES = frozenset({Role.OPERATOR, Role.MANAGER})


def roles_conflict(roles: set[Role] | frozenset[Role]) -> bool:
    """True when `roles` mix admin with a role that moves money."""
    return Role.ADMIN in roles and bool(MONEY_ROLES & roles)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(128))
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Operators see their own payouts and their team's; None means a team of one.
    team: Mapped[str | None] = mapped_column(String(64), index=True)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Two-factor sign-in: the TOTP secret encrypted at rest (webapp/crypto.py), when it was
    # switched on, and the last accepted time step (a code is never accepted twice).
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The last grant of manager/admin: who asked, who confirmed (also in account_changes).
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promoted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    promotion_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def roles(self) -> set[Role]:
        return {Role(row.role) for row in self.role_rows}

    @property
    def roles_conflict(self) -> bool:
        return roles_conflict(self.roles)

    @property
    def effective_roles(self) -> set[Role]:
        """The roles that count: an account holding admin and a money role (left from before
        the rule) keeps admin only, until an admin pair fixes its roles."""
        roles = self.roles
        return roles - MONEY_ROLES if roles_conflict(roles) else roles

    def has_role(self, *roles: Role) -> bool:
        return bool(self.effective_roles.intersection(roles))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.disabled

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret_encrypted is not None

    # The token of the UserSession this object was loaded for (set by webapp/auth/sessions.py);
    # a plain attribute, not a column.
    session_token = None

    def get_id(self) -> str:
        # The session row's token travels with the id: ending the row ends the session.
        return f"{self.id}:{self.session_token or ''}"

    def set_roles(self, roles: set[Role]) -> None:
        keep = {r for r in self.role_rows if Role(r.role) in roles}
        present = {Role(r.role) for r in keep}
        self.role_rows = sorted(keep, key=lambda r: r.role) + [
            UserRole(role=role.value) for role in sorted(roles - present)
        ]

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_user_roles_user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="role_rows")
