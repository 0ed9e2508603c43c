"""Completion certificates and their audit trail."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.content.models import ModuleVersion
from lms.db import Base, UTCDateTime, utcnow
from lms.quiz.models import Completion


class Certificate(Base):
    """The certificate of one completion, with what it certifies copied at issue.

    Names and titles are snapshots: a later change of the account name or a new module version
    never changes a certificate that was already issued.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Canonical form: 17 characters, no hyphens (see lms.certificates.codes).
    code: Mapped[str] = mapped_column(String(17), unique=True)
    # Unique: concurrent completion requests still issue one certificate.
    completion_id: Mapped[int] = mapped_column(
        ForeignKey("completions.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    module_version_id: Mapped[int] = mapped_column(
        ForeignKey("module_versions.id", ondelete="CASCADE")
    )
    language: Mapped[str] = mapped_column(String(8))  # the language the module was taken in
    holder_name: Mapped[str] = mapped_column(String(200))
    module_title: Mapped[str] = mapped_column(String(300))  # in ``language``
    module_title_en: Mapped[str] = mapped_column(String(300))  # for the English PDF
    module_version_number: Mapped[int] = mapped_column(Integer)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    completion: Mapped[Completion] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    module_version: Mapped[ModuleVersion] = relationship()
    events: Mapped[list[CertificateEvent]] = relationship(
        back_populates="certificate",
        order_by="CertificateEvent.created_at",
        cascade="all, delete-orphan",
    )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<Certificate {self.id} {self.code} {self.module_id}>"


class CertificateAction(enum.StrEnum):
    issued = "issued"
    revoked = "revoked"


class CertificateEvent(Base):
    """Audit trail: who did what to a certificate, when, and why."""

    __tablename__ = "certificate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[CertificateAction] = mapped_column(
        Enum(CertificateAction, name="certificate_action", native_enum=False, length=20)
    )
    # None for the system (issuing on completion) or an account deleted since.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    certificate: Mapped[Certificate] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
