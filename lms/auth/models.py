"""Accounts and roles."""

from __future__ import annotations

import enum
import hashlib
import hmac
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from lms.db import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    trainee = "trainee"
    trainer = "trainer"
    coordinator = "coordinator"
    admin = "admin"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", native_enum=False, length=20), default=Role.trainee
    )
    preferred_language: Mapped[str] = mapped_column(String(8), default="en")
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt, salted

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """Session identity: the id plus a fingerprint of the password hash, so that changing
        the password signs out every other session and remember-me cookie of the account."""
        return f"{self.id}.{self.session_fingerprint()}"

    def session_fingerprint(self) -> str:
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def matches_session(self, fingerprint: str) -> bool:
        return hmac.compare_digest(fingerprint, self.session_fingerprint())

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive accounts cannot sign in
        return self.is_active_account

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles or self.role is Role.admin

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"
