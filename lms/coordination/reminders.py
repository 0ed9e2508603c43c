"""Reminder e-mails: assigned modules overdue or due soon, and certificates about to expire.

``lms coordination reminders send`` runs this once a day from cron. Each person gets at most one
mail per run, in their preferred language, listing every reminder due to them. A reminder is one
(person, kind, module, due date or certificate); it is sent again only when
``REMINDER_INTERVAL_DAYS`` calendar days (UTC) have passed since it last went, however often the
command runs, and a new due date or a new certificate is a new reminder.

Exactly-once: for each person, the reminders are claimed by inserting their ``ReminderLog`` rows
(or moving the ``sent_at`` of rows old enough) BEFORE the mail is sent, in the transaction that is
committed once the mail has gone. A second run at the same time blocks on those rows until the
first commits, then finds them claimed and sends nothing; if the mail fails, the transaction is
rolled back, the rows are not kept, and the next run tries again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import Executable, and_, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from lms.auth.models import User
from lms.certificates.codes import format_code
from lms.certificates.models import Certificate
from lms.coordination.invitations import UNUSABLE_PREFIX
from lms.coordination.models import CohortModule, CohortParticipant
from lms.coordination.reminder_models import ReminderKind, ReminderLog
from lms.courses.resolution import resolve_modules
from lms.db import utcnow
from lms.mail import MailError, send_mail
from lms.quiz.models import Completion


@dataclass(frozen=True)
class Settings:
    """How far ahead to look, and how often the same reminder may go."""

    due_within_days: int = 7
    certificate_within_days: int = 30
    interval_days: int = 7

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """From ``REMINDER_*`` settings. Raises ValueError for values that are not whole
        numbers of days, 0 or more."""
        values = {}
        for name, key in (
            ("due_within_days", "REMINDER_DUE_WITHIN_DAYS"),
            ("certificate_within_days", "REMINDER_CERTIFICATE_WITHIN_DAYS"),
            ("interval_days", "REMINDER_INTERVAL_DAYS"),
        ):
            raw = config[key]
            try:
                value = int(raw)
            except (TypeError, ValueError):
                value = -1
            if isinstance(raw, bool) or value < 0 or str(value) != str(raw).strip():
                raise ValueError(f"{key} must be a whole number of days (0 or more), not {raw!r}")
            values[name] = value
        return cls(**values)


@dataclass(frozen=True)
class Item:
    """One reminder: an assigned module (due or overdue) or a certificate about to expire."""

    kind: ReminderKind
    module_id: str
    due_on: date | None = None
    certificate_id: int | None = None
    certificate_code: str | None = None
    expires_at: datetime | None = None

    def is_overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today

    @property
    def subject(self) -> str:
        """What the reminder is about, as stored in the log's unique key."""
        if self.kind is ReminderKind.certificate:
            return f"certificate:{self.certificate_id}"
        assert self.due_on is not None
        return self.due_on.isoformat()


@dataclass
class Recipient:
    user_id: int
    email: str
    name: str
    language: str
    is_active: bool
    has_password: bool
    items: list[Item] = field(default_factory=list)


@dataclass
class Summary:
    """What a run did, person by person."""

    sent: list[str] = field(default_factory=list)  # e-mail addresses
    without_password: list[str] = field(default_factory=list)  # invited, never signed in
    switched_off: list[str] = field(default_factory=list)
    reminded_recently: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (address, error)
    planned: list[tuple[Recipient, list[Item]]] = field(default_factory=list)  # dry runs

    @property
    def skipped(self) -> int:
        return len(self.without_password) + len(self.switched_off) + len(self.reminded_recently)


def _cutoff(now: datetime, interval_days: int) -> datetime:
    """A reminder last sent before this moment may go again: on the calendar day (UTC)
    ``interval_days`` after the day it went, whatever the hour, so that a daily cron job
    repeats a weekly reminder on the same weekday."""
    first_day_blocked = now.astimezone(UTC).date() - timedelta(days=interval_days - 1)
    return datetime.combine(first_day_blocked, time(), UTC)


def _assignments_due(session: Session, until: date) -> list[tuple[int, str, date]]:
    """(user_id, module_id, due_on) of every assignment not completed and due by ``until``
    (overdue ones included), due on the earliest of its cohorts' due dates."""
    grouped = (
        select(
            CohortParticipant.user_id.label("user_id"),
            CohortModule.module_id.label("module_id"),
            func.min(CohortModule.due_on).label("due_on"),
        )
        .join(CohortModule, CohortModule.cohort_id == CohortParticipant.cohort_id)
        .group_by(CohortParticipant.user_id, CohortModule.module_id)
        .subquery()
    )
    done = exists(
        select(Completion.id).where(
            Completion.user_id == grouped.c.user_id, Completion.module_id == grouped.c.module_id
        )
    )
    rows = session.execute(
        select(grouped.c.user_id, grouped.c.module_id, grouped.c.due_on)
        .where(grouped.c.due_on <= until, ~done)
        .order_by(grouped.c.user_id, grouped.c.due_on, grouped.c.module_id)
    ).tuples()
    return list(rows)


def _certificates_expiring(session: Session, now: datetime, days: int) -> list[Certificate]:
    """The newest unrevoked certificate of each person and module, when it expires within
    ``days`` (not yet expired: a refresher is then a matter for the coordinator)."""
    newer = aliased(Certificate)
    superseded = exists(
        select(newer.id).where(
            newer.user_id == Certificate.user_id,
            newer.module_id == Certificate.module_id,
            newer.revoked_at.is_(None),
            or_(
                newer.completed_at > Certificate.completed_at,
                and_(newer.completed_at == Certificate.completed_at, newer.id > Certificate.id),
            ),
        )
    )
    return list(
        session.scalars(
            select(Certificate)
            .where(
                Certificate.revoked_at.is_(None),
                Certificate.expires_at > now,
                Certificate.expires_at <= now + timedelta(days=days),
                ~superseded,
            )
            .order_by(Certificate.user_id, Certificate.expires_at, Certificate.id)
        )
    )


def due_reminders(session: Session, settings: Settings, now: datetime) -> list[Recipient]:
    """Everyone with something to be reminded of today, by user id, whether or not they were
    reminded recently (that is settled when claiming). Three queries."""
    items: dict[int, list[Item]] = defaultdict(list)
    until = now.astimezone(UTC).date() + timedelta(days=settings.due_within_days)
    for user_id, module_id, due_on in _assignments_due(session, until):
        items[user_id].append(Item(ReminderKind.assignment, module_id, due_on=due_on))
    for cert in _certificates_expiring(session, now, settings.certificate_within_days):
        items[cert.user_id].append(
            Item(
                ReminderKind.certificate,
                cert.module_id,
                certificate_id=cert.id,
                certificate_code=format_code(cert.code),
                expires_at=cert.expires_at,
            )
        )
    if not items:
        return []
    users = session.execute(
        select(
            User.id,
            User.email,
            User.name,
            User.preferred_language,
            User.is_active_account,
            User.password_hash.startswith(UNUSABLE_PREFIX),
        )
        .where(User.id.in_(list(items)))
        .order_by(User.id)
    ).tuples()
    return [
        Recipient(
            user_id=user_id,
            email=email,
            name=name,
            language=language,
            is_active=bool(active),
            has_password=not invited,
            items=items[user_id],
        )
        for user_id, email, name, language, active, invited in users
    ]


_LOG_KEY = (ReminderLog.user_id, ReminderLog.kind, ReminderLog.module_id, ReminderLog.subject)


def _claim_statement(
    dialect: str, item: Item, user_id: int, now: datetime, cutoff: datetime
) -> Executable:
    values = {
        "user_id": user_id,
        "kind": item.kind,
        "module_id": item.module_id,
        "subject": item.subject,
        "due_on": item.due_on,
        "certificate_id": item.certificate_id,
        "first_sent_at": now,
        "sent_at": now,
        "send_count": 1,
    }
    key = list(_LOG_KEY)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ReminderLog).values(**values)
    return stmt.on_conflict_do_update(
        index_elements=key,
        set_={"sent_at": stmt.excluded.sent_at, "send_count": ReminderLog.send_count + 1},
        where=ReminderLog.sent_at < cutoff,
    ).returning(ReminderLog.id)


def claim(
    session: Session, user_id: int, items: Iterable[Item], now: datetime, interval_days: int
) -> list[Item]:
    """Record the reminders that are due to go (not sent in the last ``interval_days``
    calendar days) and return them; the others are left as they are.

    One atomic INSERT ... ON CONFLICT DO UPDATE ... WHERE per reminder: a concurrent run's
    uncommitted claim makes this one wait for its outcome, so a reminder is claimed once.
    """
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"reminder claims are not written for {dialect}")
    cutoff = _cutoff(now, interval_days)
    return [
        item
        for item in items
        if session.execute(_claim_statement(dialect, item, user_id, now, cutoff)).first()
        is not None
    ]


def pending(
    session: Session, recipients: list[Recipient], now: datetime, interval_days: int
) -> dict[int, list[Item]]:
    """For a dry run: each person's reminders that a real run would send now (one query)."""
    cutoff = _cutoff(now, interval_days)
    recent = set(
        session.execute(
            select(
                ReminderLog.user_id, ReminderLog.kind, ReminderLog.module_id, ReminderLog.subject
            ).where(
                ReminderLog.user_id.in_([r.user_id for r in recipients]),
                ReminderLog.sent_at >= cutoff,
            )
        ).tuples()
    )
    return {
        r.user_id: [
            item
            for item in r.items
            if (r.user_id, item.kind, item.module_id, item.subject) not in recent
        ]
        for r in recipients
    }


def compose(
    recipient: Recipient, items: list[Item], titles: Mapping[str, str], today: date
) -> tuple[str, str]:
    """Subject and body of one person's reminder, in their language, with absolute links
    (built from ``SERVER_NAME`` and ``PREFERRED_URL_SCHEME`` outside a request)."""
    site = current_app.config["SITE_NAME"]
    overdue = [i for i in items if i.is_overdue(today)]
    due = [i for i in items if i.kind is ReminderKind.assignment and not i.is_overdue(today)]
    expiring = [i for i in items if i.kind is ReminderKind.certificate]
    with force_locale(recipient.language):
        subject = ngettext(
            "%(site)s: %(num)d training reminder",
            "%(site)s: %(num)d training reminders",
            len(items),
            site=site,
        )
        lines = [
            _("Hello %(name)s,", name=recipient.name),
            "",
            _("This is a reminder about your training on %(site)s.", site=site),
        ]
        sections: list[tuple[str, list[Item]]] = [
            (_("Overdue modules:"), overdue),
            (_("Modules due soon:"), due),
            (_("Certificates that expire soon:"), expiring),
        ]
        for heading, group in sections:
            if not group:
                continue
            lines += ["", heading]
            for item in group:
                title = titles.get(item.module_id, item.module_id)
                lines.append(f"- {title}: {_describe(item, today)}")
                lines.append(
                    "  " + url_for("courses.module", module_id=item.module_id, _external=True)
                )
        lines += [
            "",
            _("All your modules: %(link)s", link=url_for("courses.my_learning", _external=True)),
            "",
            _(
                "You receive these reminders while modules assigned to you are due or your "
                "certificates are about to expire. Questions? Ask your training coordinator."
            ),
            "",
            site,
        ]
    return subject, "\n".join(lines)


def _describe(item: Item, today: date) -> str:
    if item.kind is ReminderKind.certificate:
        assert item.expires_at is not None
        return _(
            "certificate %(code)s expires on %(date)s; take the module again to renew it.",
            code=item.certificate_code,
            date=format_date(item.expires_at, "long"),
        )
    assert item.due_on is not None
    if item.is_overdue(today):
        return _("was due on %(date)s.", date=format_date(item.due_on, "long"))
    return _("due on %(date)s.", date=format_date(item.due_on, "long"))


def _titles(session: Session, recipients: list[Recipient]) -> dict[str, dict[str, str]]:
    """Module titles in each language the recipients read (two queries per language)."""
    module_ids = {item.module_id for r in recipients for item in r.items}
    return {
        language: {m.module_id: m.title for m in resolve_modules(session, language, module_ids)}
        for language in sorted({r.language for r in recipients})
    }


def send_reminders(
    session: Session, settings: Settings, *, now: datetime | None = None, dry_run: bool = False
) -> Summary:
    """Send every reminder that is due, one mail per person, and say what happened.

    Unlike other services this commits, once per person: a person's reminders are recorded
    in the transaction that sends their mail (see the module docstring), and a failing mail
    rolls back that person's records only. A dry run changes nothing and sends nothing.
    """
    moment = now or utcnow()
    today = moment.astimezone(UTC).date()
    recipients = due_reminders(session, settings, moment)
    titles = _titles(session, recipients)
    planned = pending(session, recipients, moment, settings.interval_days) if dry_run else {}
    # End the reading transaction: on SQLite a transaction that has read cannot later take
    # the write lock once another run has written; each claim starts its own.
    session.rollback()
    summary = Summary()
    for recipient in recipients:
        if not recipient.is_active:
            summary.switched_off.append(recipient.email)
        elif not recipient.has_password:
            summary.without_password.append(recipient.email)
        elif dry_run:
            if planned[recipient.user_id]:
                summary.planned.append((recipient, planned[recipient.user_id]))
            else:
                summary.reminded_recently.append(recipient.email)
        else:
            _send_one(session, recipient, settings, moment, today, titles, summary)
    return summary


def _send_one(
    session: Session,
    recipient: Recipient,
    settings: Settings,
    now: datetime,
    today: date,
    titles: Mapping[str, Mapping[str, str]],
    summary: Summary,
) -> None:
    claimed = claim(session, recipient.user_id, recipient.items, now, settings.interval_days)
    if not claimed:
        session.rollback()
        summary.reminded_recently.append(recipient.email)
        return
    try:
        subject, body = compose(recipient, claimed, titles.get(recipient.language, {}), today)
        send_mail(recipient.email, subject, body)
    except MailError as error:
        session.rollback()  # the claims go too: the next run tries again
        current_app.logger.warning("Reminder to user %s failed: %s", recipient.user_id, error)
        summary.failed.append((recipient.email, str(error)))
        return
    session.commit()
    summary.sent.append(recipient.email)
