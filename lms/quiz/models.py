"""Quiz attempts and module completions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.content.models import ModuleVersion
from lms.db import Base, UTCDateTime, utcnow


class QuizAttempt(Base):
    """One attempt at a module version's quiz, drawn and shuffled once, at start, on the server.

    ``layout`` is the drawn question ids in order, each with its option ids in display order;
    ``answers`` maps a question id to the chosen option ids (saved as the trainee goes).
    Grading always uses the quiz of ``module_version`` (the version the attempt started with).
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "module_version_id", "number"),
        Index("ix_quiz_attempts_version_submitted", "module_version_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_version_id: Mapped[int] = mapped_column(
        ForeignKey("module_versions.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per user and module version
    layout: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    answers: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)  # percent, 0-100
    passed: Mapped[bool | None] = mapped_column()
    # Per question after grading: {"<qid>": {"credit": 0..1, "chosen": [...]}}
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    user: Mapped[User] = relationship()
    module_version: Mapped[ModuleVersion] = relationship()


class Completion(Base):
    """A trainee completed a module version: every lesson opened and the quiz (if any) passed."""

    __tablename__ = "completions"
    __table_args__ = (UniqueConstraint("user_id", "module_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    module_version_id: Mapped[int] = mapped_column(
        ForeignKey("module_versions.id", ondelete="CASCADE")
    )
    language: Mapped[str] = mapped_column(String(8))  # the language the module was taken in
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    score: Mapped[float | None] = mapped_column(Float)  # the passing attempt's score
    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship()
    module_version: Mapped[ModuleVersion] = relationship()
    attempt: Mapped[QuizAttempt | None] = relationship()
