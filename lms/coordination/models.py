"""Organisations, their members, cohorts, coordinators' scope, invitations and CSV uploads.

Reports (completion matrix, dashboards, exports) aggregate over these tables in SQL: every
foreign key and every column a report filters on has an index.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.content.models import Module
from lms.db import Base, UTCDateTime, utcnow


class OrganisationKind(enum.StrEnum):
    resettlement_centre = "resettlement_centre"
    shelter = "shelter"
    ngo = "ngo"
    government_office = "government_office"
    region = "region"


class Organisation(Base):
    """A place whose staff are trained: a resettlement centre, a shelter, an NGO, an office."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name case-folded with spaces collapsed: names are unique in this form, and CSV files
    # name organisations in whatever case the spreadsheet has.
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str] = mapped_column(String(2), index=True)  # ISO 3166-1 alpha-2
    kind: Mapped[OrganisationKind] = mapped_column(
        Enum(OrganisationKind, name="organisation_kind", native_enum=False, length=30),
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[OrganisationMember]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class OrganisationMember(Base):
    """A person belongs to an organisation (a person may belong to several)."""

    __tablename__ = "organisation_members"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class CoordinatorOrganisation(Base):
    """An organisation a coordinator manages (their scope). Admins need none: they see all."""

    __tablename__ = "coordinator_organisations"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class Cohort(Base):
    """A dated training event for staff of one or more organisations."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    trainer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    is_online: Mapped[bool] = mapped_column(default=False)
    place: Mapped[str] = mapped_column(String(200), default="")  # empty when online
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trainer: Mapped[User | None] = relationship()
    cohort_organisations: Mapped[list[CohortOrganisation]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", passive_deletes=True
    )
    participants: Mapped[list[CohortParticipant]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", passive_deletes=True
    )
    modules: Mapped[list[CohortModule]] = relationship(
        back_populates="cohort",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: (CohortModule.due_on, CohortModule.module_id),
    )

    @property
    def organisations(self) -> list[Organisation]:
        return sorted(
            (link.organisation for link in self.cohort_organisations),
            key=lambda org: org.name.casefold(),
        )

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name!r}>"


class CohortOrganisation(Base):
    """An organisation taking part in a cohort."""

    __tablename__ = "cohort_organisations"
    __table_args__ = (UniqueConstraint("cohort_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )

    cohort: Mapped[Cohort] = relationship(back_populates="cohort_organisations")
    organisation: Mapped[Organisation] = relationship()


class CohortParticipant(Base):
    """A person taking part in a cohort."""

    __tablename__ = "cohort_participants"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="participants")
    user: Mapped[User] = relationship()


class CohortModule(Base):
    """A module assigned to a cohort, to be completed by ``due_on``."""

    __tablename__ = "cohort_modules"
    __table_args__ = (UniqueConstraint("cohort_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)

    cohort: Mapped[Cohort] = relationship(back_populates="modules")
    module: Mapped[Module] = relationship()


class Invitation(Base):
    """The invitation of an account created for someone by a coordinator (one per account).

    The account has an unusable password until its owner sets one through the link; the link
    is signed, expires, and stops working once a password is set or a new link is sent.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # last sent
    send_count: Mapped[int] = mapped_column(Integer, default=0)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class CsvUpload(Base):
    """A CSV file kept between the preview and the confirmation of a bulk import.

    The browser only ever holds ``token``; the content stays here, checked by its hash,
    usable by its owner only, until ``expires_at``.
    """

    __tablename__ = "csv_uploads"
    __table_args__ = (Index("ix_csv_uploads_owner_created", "owner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the commit did: counts, shown again if the confirmation page is reopened.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    owner: Mapped[User] = relationship()
