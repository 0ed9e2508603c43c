"""The coordinators' dashboard: completion figures aggregated in SQL, within the viewer's scope.

An *assignment* is a (person, module) pair: the person takes part in a cohort to which the module
is assigned. A person in several cohorts with the same module has one assignment, due on the
earliest of the cohorts' due dates. Each assignment has one status (``statuses``):

1. certificate expired: completed, and the newest unrevoked certificate for the module expired;
2. completed: a completion of any version of the module, in any language, at any time;
3. overdue: not completed, and the due date is before today (UTC);
4. in progress: at least one lesson of the module opened;
5. not started.

The completion rate counts statuses 1 and 2 (the module was completed) over all assignments.
Every figure is one grouped query, so a page runs the same number of queries for 5 trainees as
for 5,000.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.selectable import Subquery

from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.coordination.models import (
    Cohort,
    CohortModule,
    CohortParticipant,
    Organisation,
    OrganisationMember,
)
from lms.coordination.services import scope
from lms.courses.models import LessonProgress
from lms.db import utcnow
from lms.quiz.models import Completion

EXPIRING_WITHIN_DAYS = 30  # the dashboard's "certificates expiring" headline
WEEKS_UP_TO_DAYS = 16 * 7  # a period up to 16 weeks is charted by week, up to 3 years by month
MONTHS_UP_TO_DAYS = 3 * 366


class Status(enum.StrEnum):
    """The status of one assignment (see the module docstring for the rule)."""

    certificate_expired = "certificate_expired"
    completed = "completed"
    overdue = "overdue"
    in_progress = "in_progress"
    not_started = "not_started"


@dataclass(frozen=True)
class Filters:
    """What the dashboard is limited to (within the viewer's scope, which always applies)."""

    organisation_id: int | None = None
    cohort_id: int | None = None
    start: date | None = None  # cohorts running on or after this day ...
    end: date | None = None  # ... and on or before this one

    @property
    def selects_cohorts(self) -> bool:
        return self.cohort_id is not None or self.start is not None or self.end is not None


@dataclass(frozen=True)
class Tally:
    """Assignments counted by status."""

    counts: Mapping[Status, int] = field(default_factory=dict)

    def __getitem__(self, status: Status) -> int:
        return self.counts.get(status, 0)

    @property
    def assigned(self) -> int:
        return sum(self.counts.values())

    @property
    def completed(self) -> int:
        """Completed, whether or not the certificate has expired since."""
        return self[Status.completed] + self[Status.certificate_expired]

    @property
    def overdue(self) -> int:
        return self[Status.overdue]

    @property
    def rate(self) -> float | None:
        """Completed over assigned (None without assignments)."""
        return self.completed / self.assigned if self.assigned else None


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    tally: Tally


@dataclass(frozen=True)
class ModuleRow:
    module_id: str
    tally: Tally


@dataclass(frozen=True)
class Bucket:
    """Assignments first completed in the week, month or year starting ``starts_on``."""

    starts_on: date
    count: int


@dataclass(frozen=True)
class Timeline:
    granularity: str  # "week", "month" or "year"
    start: date
    end: date
    buckets: list[Bucket]

    @property
    def total(self) -> int:
        return sum(b.count for b in self.buckets)


@dataclass(frozen=True)
class Dashboard:
    trainees: int
    totals: Tally
    expiring_certificates: int
    organisations: list[OrganisationRow]  # every organisation shown, by name
    modules: list[ModuleRow]  # every module assigned, by id (the view orders by title)
    timeline: Timeline


# Building blocks ------------------------------------------------------------------------------


def in_population(user_id: Any, actor: User | None, filters: Filters) -> ColumnElement[bool]:
    """True for people the dashboard counts: members of an organisation in scope (the chosen
    one, if any)."""
    member = aliased(OrganisationMember)
    conditions: list[ColumnElement[bool]] = [member.user_id == user_id]
    if not scope.sees_everything(actor):
        assert actor is not None
        if not scope.may_coordinate(actor):
            return false()
        conditions.append(member.organisation_id.in_(scope.scope_ids_query(actor)))
    if filters.organisation_id is not None:
        conditions.append(member.organisation_id == filters.organisation_id)
    return exists(select(member.id).where(*conditions))


def cohort_selected(actor: User | None, filters: Filters) -> ColumnElement[bool]:
    """True for the cohorts that count: in scope, and matching the cohort and period filters."""
    conditions = [scope.cohort_condition(actor)]
    if filters.cohort_id is not None:
        conditions.append(Cohort.id == filters.cohort_id)
    if filters.start is not None:
        conditions.append(Cohort.ends_on >= filters.start)
    if filters.end is not None:
        conditions.append(Cohort.starts_on <= filters.end)
    return and_(*conditions)


def assignments(actor: User | None, filters: Filters) -> Select[Any]:
    """(user_id, module_id, due_on): one row per assignment, due on the earliest due date."""
    return (
        select(
            CohortParticipant.user_id.label("user_id"),
            CohortModule.module_id.label("module_id"),
            func.min(CohortModule.due_on).label("due_on"),
        )
        .join(CohortModule, CohortModule.cohort_id == CohortParticipant.cohort_id)
        .join(Cohort, Cohort.id == CohortParticipant.cohort_id)
        .where(
            cohort_selected(actor, filters),
            in_population(CohortParticipant.user_id, actor, filters),
        )
        .group_by(CohortParticipant.user_id, CohortModule.module_id)
    )


def expired_certificates(now: datetime, people: Select[Any]) -> Select[Any]:
    """(user_id, module_id) where the newest unrevoked certificate of the person for the
    module (by completion date) has expired at ``now``; ``people`` selects the user ids."""
    cert = aliased(Certificate)
    newer = aliased(Certificate)
    superseded = exists(
        select(newer.id).where(
            newer.user_id == cert.user_id,
            newer.module_id == cert.module_id,
            newer.revoked_at.is_(None),
            or_(
                newer.completed_at > cert.completed_at,
                and_(newer.completed_at == cert.completed_at, newer.id > cert.id),
            ),
        )
    )
    return select(cert.user_id, cert.module_id).where(
        cert.user_id.in_(people),
        cert.revoked_at.is_(None),
        cert.expires_at <= now,
        ~superseded,
    )


def classify(
    *, completed: bool, certificate_expired: bool, due_on: date | None, started: bool, today: date
) -> Status:
    """The rule of ``statuses``, for one module in Python (a transcript)."""
    if completed:
        return Status.certificate_expired if certificate_expired else Status.completed
    if due_on is not None and due_on < today:
        return Status.overdue
    return Status.in_progress if started else Status.not_started


def statuses(actor: User | None, filters: Filters, now: datetime) -> Subquery:
    """(user_id, module_id, due_on, first_completed_at, status) for every assignment in scope
    and filters (see the module docstring for the rule).

    The facts about each assignment come from grouped derived tables joined on (user, module)
    rather than from correlated EXISTS per row: PostgreSQL then hash-joins them, and its cost
    estimate stays far below the threshold where it would spend seconds JIT-compiling.
    """
    base = assignments(actor, filters).cte("assignments")
    people = select(base.c.user_id)
    done = (
        select(
            Completion.user_id,
            Completion.module_id,
            func.min(Completion.completed_at).label("first_at"),
        )
        .where(Completion.user_id.in_(people))
        .group_by(Completion.user_id, Completion.module_id)
        .subquery("done")
    )
    opened = (
        select(LessonProgress.user_id, LessonProgress.module_id)
        .where(LessonProgress.user_id.in_(people))
        .group_by(LessonProgress.user_id, LessonProgress.module_id)
        .subquery("opened")
    )
    expired = expired_certificates(now, people).subquery("expired")

    def matches(table: Subquery) -> ColumnElement[bool]:
        return and_(table.c.user_id == base.c.user_id, table.c.module_id == base.c.module_id)

    completed = done.c.user_id.is_not(None)
    status = case(
        (
            and_(completed, expired.c.user_id.is_not(None)),
            literal(Status.certificate_expired.value, String),
        ),
        (completed, literal(Status.completed.value, String)),
        (base.c.due_on < now.date(), literal(Status.overdue.value, String)),
        (opened.c.user_id.is_not(None), literal(Status.in_progress.value, String)),
        else_=literal(Status.not_started.value, String),
    )
    return (
        select(
            base.c.user_id,
            base.c.module_id,
            base.c.due_on,
            done.c.first_at.label("first_completed_at"),
            status.label("status"),
        )
        .select_from(base)
        .outerjoin(done, matches(done))
        .outerjoin(opened, matches(opened))
        .outerjoin(expired, matches(expired))
        .subquery("statuses")
    )


def _tally(rows: Iterable[tuple[str, int]]) -> Tally:
    return Tally({Status(status): int(count) for status, count in rows})


# Figures --------------------------------------------------------------------------------------


def totals(session: Session, actor: User | None, filters: Filters, now: datetime) -> Tally:
    """Assignments by status."""
    sub = statuses(actor, filters, now)
    rows = session.execute(select(sub.c.status, func.count()).group_by(sub.c.status))
    return _tally(rows.tuples())


def by_module(
    session: Session, actor: User | None, filters: Filters, now: datetime
) -> list[ModuleRow]:
    """Assignments by module and status (modules that are assigned only), by module id."""
    sub = statuses(actor, filters, now)
    rows = session.execute(
        select(sub.c.module_id, sub.c.status, func.count()).group_by(sub.c.module_id, sub.c.status)
    ).tuples()
    grouped: dict[str, list[tuple[str, int]]] = {}
    for module_id, status, count in rows:
        grouped.setdefault(module_id, []).append((status, count))
    return [ModuleRow(module_id, _tally(grouped[module_id])) for module_id in sorted(grouped)]


def by_organisation(
    session: Session,
    actor: User | None,
    filters: Filters,
    now: datetime,
    organisations: Iterable[Organisation],
) -> list[OrganisationRow]:
    """Assignments by organisation of the person (someone in two organisations counts in
    both) and status, for each of ``organisations`` (the visible ones, already loaded)."""
    sub = statuses(actor, filters, now)
    rows = session.execute(
        select(OrganisationMember.organisation_id, sub.c.status, func.count())
        .join(sub, sub.c.user_id == OrganisationMember.user_id)
        .join(Organisation, Organisation.id == OrganisationMember.organisation_id)
        .where(scope.organisation_condition(actor))
        .group_by(OrganisationMember.organisation_id, sub.c.status)
    ).tuples()
    grouped: dict[int, list[tuple[str, int]]] = {}
    for organisation_id, status, count in rows:
        grouped.setdefault(organisation_id, []).append((status, count))
    return [
        OrganisationRow(org, _tally(grouped.get(org.id, [])))
        for org in organisations
        if filters.organisation_id is None or org.id == filters.organisation_id
    ]


def count_trainees(session: Session, actor: User | None, filters: Filters) -> int:
    """People in the population; with a cohort or period chosen, its participants only."""
    stmt = select(func.count(User.id)).where(in_population(User.id, actor, filters))
    if filters.selects_cohorts:
        participant = aliased(CohortParticipant)
        stmt = stmt.where(
            exists(
                select(participant.id)
                .join(Cohort, Cohort.id == participant.cohort_id)
                .where(participant.user_id == User.id, cohort_selected(actor, filters))
            )
        )
    return int(session.scalar(stmt) or 0)


def count_expiring_certificates(
    session: Session,
    actor: User | None,
    filters: Filters,
    now: datetime,
    days: int = EXPIRING_WITHIN_DAYS,
) -> int:
    """Certificates of the population's people expiring within ``days`` and not renewed."""
    newer = aliased(Certificate)
    renewed = exists(
        select(newer.id).where(
            newer.user_id == Certificate.user_id,
            newer.module_id == Certificate.module_id,
            newer.revoked_at.is_(None),
            newer.completed_at > Certificate.completed_at,
        )
    )
    stmt = select(func.count(Certificate.id)).where(
        Certificate.revoked_at.is_(None),
        Certificate.expires_at > now,
        Certificate.expires_at <= now + timedelta(days=days),
        ~renewed,
        in_population(Certificate.user_id, actor, filters),
    )
    if filters.selects_cohorts:
        participant = aliased(CohortParticipant)
        stmt = stmt.where(
            exists(
                select(participant.id)
                .join(Cohort, Cohort.id == participant.cohort_id)
                .where(participant.user_id == Certificate.user_id, cohort_selected(actor, filters))
            )
        )
    return int(session.scalar(stmt) or 0)


# Completions over time ------------------------------------------------------------------------


def timeline_window(filters: Filters, today: date) -> tuple[date, date, str]:
    """(first day, last day, granularity) of the completions chart: the chosen period, else
    the twelve months up to today."""
    end = filters.end or today
    if filters.start is not None:
        start = filters.start
    else:
        start = _month_start(end)
        for _month in range(11):
            start = _month_start(start - timedelta(days=1))
    days = (end - start).days
    if days <= WEEKS_UP_TO_DAYS:
        return start, end, "week"
    if days <= MONTHS_UP_TO_DAYS:
        return start, end, "month"
    return start, end, "year"


def bucket_start(day: date, granularity: str) -> date:
    """The first day of the week (Monday), month or year that holds ``day``."""
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return _month_start(day)
    return date(day.year, 1, 1)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_bucket(day: date, granularity: str) -> date:
    if granularity == "week":
        return day + timedelta(days=7)
    if granularity == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return date(day.year + 1, 1, 1)


def _bucket_expression(column: Any, granularity: str, dialect: str) -> ColumnElement[Any]:
    """The first day of the (UTC) week, month or year of a timestamp column, in SQL."""
    if dialect == "postgresql":
        return cast(func.date_trunc(granularity, func.timezone("UTC", column)), Date)
    if dialect == "sqlite":  # timestamps are stored as UTC text
        if granularity == "week":
            return func.date(column, "weekday 0", "-6 days")
        return func.strftime("%Y-%m-01" if granularity == "month" else "%Y-01-01", column)
    raise NotImplementedError(f"completion buckets are not written for {dialect}")


def completions_over_time(
    session: Session, actor: User | None, filters: Filters, now: datetime
) -> Timeline:
    """Assignments by the week, month or year of their first completion, within the window."""
    start, end, granularity = timeline_window(filters, now.date())
    sub = statuses(actor, filters, now)
    first = sub.c.first_completed_at
    dialect = session.get_bind().dialect.name
    bucket = _bucket_expression(first, granularity, dialect).label("bucket")
    rows = session.execute(
        select(bucket, func.count())
        .where(
            first >= datetime.combine(start, time(), UTC),
            first < datetime.combine(end + timedelta(days=1), time(), UTC),
        )
        .group_by(bucket)
    ).tuples()
    counts: Counter[date] = Counter()
    for value, count in rows:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        counts[day] += int(count)
    buckets = []
    day = bucket_start(start, granularity)
    while day <= end:
        buckets.append(Bucket(day, counts.get(day, 0)))
        day = _next_bucket(day, granularity)
    return Timeline(granularity, start, end, buckets)


def build_dashboard(
    session: Session,
    actor: User | None,
    filters: Filters,
    organisations: Iterable[Organisation],
    now: datetime | None = None,
) -> Dashboard:
    """Every figure of the dashboard: six queries whatever the number of people.

    ``organisations`` are the ones ``actor`` may see (loaded once by the caller, who also
    offers them as filter choices); the chosen organisation and cohort must be in scope.
    """
    moment = now or utcnow()
    return Dashboard(
        trainees=count_trainees(session, actor, filters),
        totals=totals(session, actor, filters, moment),
        expiring_certificates=count_expiring_certificates(session, actor, filters, moment),
        organisations=by_organisation(session, actor, filters, moment, organisations),
        modules=by_module(session, actor, filters, moment),
        timeline=completions_over_time(session, actor, filters, moment),
    )


__all__ = [
    "Bucket",
    "Dashboard",
    "Filters",
    "ModuleRow",
    "OrganisationRow",
    "Status",
    "Tally",
    "Timeline",
    "assignments",
    "build_dashboard",
    "classify",
]
