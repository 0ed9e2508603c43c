"""Modules as imported from Markdown: one row per module, per language version, per lesson."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, UTCDateTime, utcnow


class Module(Base):
    """A module identity shared by all its languages and versions (the folder name)."""

    __tablename__ = "modules"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[ModuleVersion]] = relationship(
        back_populates="module", order_by="ModuleVersion.version"
    )


class ModuleVersion(Base):
    """One imported version of a module in one language, with its rendered HTML."""

    __tablename__ = "module_versions"
    __table_args__ = (UniqueConstraint("module_id", "language", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    source_version: Mapped[int | None] = mapped_column(Integer)  # translations only
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int | None] = mapped_column(Integer)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    content_note: Mapped[str | None] = mapped_column(Text)
    prerequisites: Mapped[list[str]] = mapped_column(JSON, default=list)
    certificate_valid_months: Mapped[int | None] = mapped_column(Integer)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    overview_source: Mapped[str] = mapped_column(Text, default="")
    overview_html: Mapped[str] = mapped_column(Text, default="")
    quiz_source: Mapped[str | None] = mapped_column(Text)
    quiz_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship(back_populates="versions")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module_version", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    media: Mapped[list[MediaFile]] = relationship(
        back_populates="module_version", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<ModuleVersion {self.module_id} {self.language} v{self.version}>"


class Lesson(Base):
    """A lesson of a module version. ``key`` (the file name stem) is the same in every language."""

    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("module_version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_version_id: Mapped[int] = mapped_column(
        ForeignKey("module_versions.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)

    module_version: Mapped[ModuleVersion] = relationship(back_populates="lessons")


class MediaFile(Base):
    """An image referenced by relative path from a module version's Markdown."""

    __tablename__ = "media_files"
    __table_args__ = (UniqueConstraint("module_version_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_version_id: Mapped[int] = mapped_column(
        ForeignKey("module_versions.id", ondelete="CASCADE")
    )
    path: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    module_version: Mapped[ModuleVersion] = relationship(back_populates="media")
