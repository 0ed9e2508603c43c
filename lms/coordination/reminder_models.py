"""The log of reminder e-mails: which reminder went to whom, and when it last went.

One row per reminder (person, kind, module, and the due date or the certificate it is about).
The unique constraint is what keeps two runs of ``lms coordination reminders send`` from mailing
the same reminder twice: each run claims a reminder by inserting (or moving on) its row in the
transaction that sends the mail, and commits only once the mail has gone.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow


class ReminderKind(enum.StrEnum):
    assignment = "assignment"  # an assigned module overdue or due soon
    certificate = "certificate"  # a certificate about to expire


class ReminderLog(Base):
    """A reminder that was sent: first and last time, and how often."""

    __tablename__ = "reminder_logs"
    __table_args__ = (UniqueConstraint("user_id", "kind", "module_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[ReminderKind] = mapped_column(
        Enum(ReminderKind, name="reminder_kind", native_enum=False, length=20)
    )
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    # What the reminder is about, as text so that it can be part of the unique key (NULLs never
    # collide): the due date ("2025-03-07") or the certificate ("certificate:42").
    subject: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date | None] = mapped_column(Date)
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    first_sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)  # last
    send_count: Mapped[int] = mapped_column(Integer, default=1)

    def __repr__(self) -> str:
        return f"<ReminderLog {self.id} user={self.user_id} {self.kind.value} {self.subject}>"
