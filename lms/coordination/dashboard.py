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
The statuses are worked out once, in one grouped query that gives the organisations', the
modules' and the chart's figures (the totals add up the modules), so a page runs the same
number of queries for 5 trainees as for 5,000.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
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
    true,
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
from lms.coordination.report_sql import tune
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


def expired_certificates(
    now: datetime, of_people: Callable[[Any], ColumnElement[bool]]
) -> Select[Any]:
    """(user_id, module_id) where the newest unrevoked certificate of the person for the
    module (by completion date) has expired at ``now``; ``of_people`` limits the user ids."""
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
        of_people(cert.user_id),
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


def participants(actor: User | None, filters: Filters) -> Select[Any]:
    """The user ids of the assignments (one per participation: a filter, not a list)."""
    return (
        select(CohortParticipant.user_id)
        .join(Cohort, Cohort.id == CohortParticipant.cohort_id)
        .where(
            cohort_selected(actor, filters),
            in_population(CohortParticipant.user_id, actor, filters),
        )
    )


def statuses(actor: User | None, filters: Filters, now: datetime) -> Subquery:
    """(user_id, module_id, due_on, first_completed_at, status) for every assignment in scope
    and filters (see the module docstring for the rule).

    Completions and expired certificates come from grouped derived tables joined on (user,
    module), which PostgreSQL hash-joins; lessons opened are probed per assignment, only where
    the status depends on them. The assignments are a plain subquery, not a CTE: PostgreSQL
    has no statistics for a materialised CTE and misjudged its size (docs/performance.md).
    """
    base = assignments(actor, filters).subquery("assignments")
    # The outer joins below keep only the assignments' people; limiting the grouped tables
    # to them first pays when they are a part of everyone (index look-ups), not for an admin
    # without filters, where it only adds a hash join of every lesson opened (0.1 s).
    everyone = scope.sees_everything(actor) and filters == Filters()
    people = None if everyone else participants(actor, filters)

    def of_people(column: Any) -> ColumnElement[bool]:
        return true() if people is None else column.in_(people)

    done = (
        select(
            Completion.user_id,
            Completion.module_id,
            func.min(Completion.completed_at).label("first_at"),
        )
        .where(of_people(Completion.user_id))
        .group_by(Completion.user_id, Completion.module_id)
        .subquery("done")
    )
    # Looked up only for the assignments neither completed nor overdue (CASE stops at the
    # first match), one index probe each: a scalar subquery, which PostgreSQL does not turn
    # into a hash of every lesson opened as it does an EXISTS.
    opened = (
        select(LessonProgress.id)
        .where(
            LessonProgress.user_id == base.c.user_id,
            LessonProgress.module_id == base.c.module_id,
        )
        .limit(1)
        .scalar_subquery()
    )
    expired = expired_certificates(now, of_people).subquery("expired")

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
        (opened.is_not(None), literal(Status.in_progress.value, String)),
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
        .outerjoin(expired, matches(expired))
        .subquery("statuses")
    )


def _tally(rows: Iterable[tuple[str, int]]) -> Tally:
    return Tally({Status(status): int(count) for status, count in rows})


# Figures --------------------------------------------------------------------------------------


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


def _grouped_figures(
    session: Session, actor: User | None, filters: Filters, now: datetime
) -> tuple[dict[int, list[tuple[str, int]]], list[ModuleRow], Timeline]:
    """The organisations' and modules' tallies and the completions chart from one grouped
    query, so that the assignments' statuses are worked out once.

    Each assignment is counted once per visible organisation of its person (the organisation
    rows); the modules and the chart count only the row of the person's first such
    organisation, so that someone in two organisations counts once there.
    """
    start, end, granularity = timeline_window(filters, now.date())
    sub = statuses(actor, filters, now)
    first = sub.c.first_completed_at
    dialect = session.get_bind().dialect.name
    in_window = and_(
        first >= datetime.combine(start, time(), UTC),
        first < datetime.combine(end + timedelta(days=1), time(), UTC),
    )
    bucket = case((in_window, _bucket_expression(first, granularity, dialect))).label("bucket")
    members = (
        select(
            OrganisationMember.user_id,
            OrganisationMember.organisation_id,
            (
                OrganisationMember.organisation_id
                == func.min(OrganisationMember.organisation_id).over(
                    partition_by=OrganisationMember.user_id
                )
            ).label("first"),
        )
        .join(Organisation, Organisation.id == OrganisationMember.organisation_id)
        .where(scope.organisation_condition(actor))
        .subquery("members")
    )
    rows = session.execute(
        select(
            members.c.organisation_id,
            members.c.first,
            sub.c.module_id,
            sub.c.status,
            bucket,
            func.count(),
        )
        .join(members, members.c.user_id == sub.c.user_id)
        .group_by(members.c.organisation_id, members.c.first, sub.c.module_id, sub.c.status, bucket)
    ).tuples()
    by_org: dict[int, Counter[str]] = {}
    grouped: dict[str, Counter[str]] = {}
    counts: Counter[date] = Counter()
    for organisation_id, is_first, module_id, status, value, count in rows:
        by_org.setdefault(organisation_id, Counter())[status] += int(count)
        if not is_first:
            continue
        grouped.setdefault(module_id, Counter())[status] += int(count)
        if value is not None:
            day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
            counts[day] += int(count)
    modules = [
        ModuleRow(module_id, _tally(grouped[module_id].items())) for module_id in sorted(grouped)
    ]
    organisation_counts = {key: list(counter.items()) for key, counter in by_org.items()}
    return organisation_counts, modules, _timeline(start, end, granularity, counts)


def _timeline(start: date, end: date, granularity: str, counts: Mapping[date, int]) -> Timeline:
    buckets = []
    day = bucket_start(start, granularity)
    while day <= end:
        buckets.append(Bucket(day, counts.get(day, 0)))
        day = _next_bucket(day, granularity)
    return Timeline(granularity, start, end, buckets)


def _sum_tallies(rows: Iterable[ModuleRow]) -> Tally:
    counts: Counter[Status] = Counter()
    for row in rows:
        counts.update(row.tally.counts)
    return Tally(dict(counts))


def build_dashboard(
    session: Session,
    actor: User | None,
    filters: Filters,
    organisations: Iterable[Organisation],
    now: datetime | None = None,
) -> Dashboard:
    """Every figure of the dashboard: four queries whatever the number of people.

    ``organisations`` are the ones ``actor`` may see (loaded once by the caller, who also
    offers them as filter choices); the chosen organisation and cohort must be in scope.
    The totals are the sum of the modules' tallies (each assignment has one module), and the
    modules and the chart come from the same grouped query.
    """
    moment = now or utcnow()
    tune(session)  # no JIT, room to hash the assignments in memory (PostgreSQL)
    organisation_counts, modules, timeline = _grouped_figures(session, actor, filters, moment)
    return Dashboard(
        trainees=count_trainees(session, actor, filters),
        totals=_sum_tallies(modules),
        expiring_certificates=count_expiring_certificates(session, actor, filters, moment),
        organisations=[
            OrganisationRow(org, _tally(organisation_counts.get(org.id, [])))
            for org in organisations
            if filters.organisation_id is None or org.id == filters.organisation_id
        ],
        modules=modules,
        timeline=timeline,
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
