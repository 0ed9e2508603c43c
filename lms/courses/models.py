"""Enrolment and lesson progress. Progress belongs to the module, not to a language or version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.content.models import Module
from lms.db import Base, UTCDateTime, utcnow


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The lesson last opened, by key, so "Continue" resumes there in any language.
    last_lesson_key: Mapped[str | None] = mapped_column(String(120))
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    module: Mapped[Module] = relationship()


class LessonProgress(Base):
    """A lesson a trainee has opened, keyed by the lesson key shared across languages."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "lesson_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    lesson_key: Mapped[str] = mapped_column(String(120))
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
