"""The SQL of the completion reports (see ``lms.coordination.reports`` for the rules).

Written for PostgreSQL's planner as much as SQLite's: no CTE is used twice (a materialised CTE
has no statistics, and PostgreSQL then guesses 200 rows and picks nested loops over 20,000 rows),
completion checks are EXISTS (hashed or looked up, as the estimate says), and the list of trainees
avoids the 150,000-row assignment aggregate whenever no filter needs it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    Subquery,
    and_,
    case,
    exists,
    func,
    select,
)
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.content.models import Lesson, ModuleVersion
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

SEPARATOR = "\x1f"  # joins organisation names in SQL; never part of a name
_SOURCE_LANGUAGE = "en"


class CellStatus(enum.StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    completed = "completed"
    overdue = "overdue"
    expired = "expired"  # completed, but the latest certificate has expired


class SortKey(enum.StrEnum):
    name = "name"
    organisation = "organisation"
    progress = "progress"  # share of the assigned modules completed


@dataclass(frozen=True)
class ReportFilters:
    """What a report is narrowed to. Ids must already be checked against the actor's scope."""

    organisation_id: int | None = None
    cohort_id: int | None = None
    module_id: str | None = None
    language: str | None = None  # the trainee's preferred language
    status: CellStatus | None = None
    due_from: date | None = None
    due_to: date | None = None
    completed_from: date | None = None
    completed_to: date | None = None
    sort: SortKey = SortKey.name
    descending: bool = False

    @property
    def picks_assignments(self) -> bool:
        """Whether a filter looks at single assignments (a row matches with one of them)."""
        dates = (self.due_from, self.due_to, self.completed_from, self.completed_to)
        return self.status is not None or any(d is not None for d in dates)


def tune(session: Session) -> None:
    """On PostgreSQL, for this transaction: no JIT compilation (it costs 0.2-0.7 s on these
    queries, more than it saves) and room to hash 150,000 assignments in memory."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(func.set_config("jit", "off", True), func.set_config("work_mem", "32MB", True))
        )


def completed_between(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """Conditions on ``Completion.completed_at`` for a range of UTC days (both included)."""
    found: list[ColumnElement[bool]] = []
    if start is not None:
        found.append(Completion.completed_at >= datetime.combine(start, time.min, UTC))
    if end is not None:
        found.append(
            Completion.completed_at < datetime.combine(end + timedelta(days=1), time.min, UTC)
        )
    return found


def is_completed(a: FromClause) -> ColumnElement[bool]:
    """The assignment's module was completed (any version). PostgreSQL runs this as a hashed
    subplan over many rows and as index look-ups over few: it picks by the estimate."""
    return exists().where(Completion.user_id == a.c.user_id, Completion.module_id == a.c.module_id)


def reference_lessons() -> Subquery:
    """(module_id, key) of the lessons of each module's reference version: the latest English
    version, else the latest version of another language (the lessons a trainee must open)."""
    ranked = select(
        ModuleVersion.id,
        ModuleVersion.module_id,
        func.row_number()
        .over(
            partition_by=ModuleVersion.module_id,
            order_by=(
                case((ModuleVersion.language == _SOURCE_LANGUAGE, 0), else_=1),
                ModuleVersion.version.desc(),
                ModuleVersion.language,
            ),
        )
        .label("rank"),
    ).subquery("ranked")
    return (
        select(ranked.c.module_id, Lesson.key)
        .join(Lesson, Lesson.module_version_id == ranked.c.id)
        .where(ranked.c.rank == 1)
        .subquery("reference")
    )


@dataclass
class MatrixQuery:
    """The statements of one report request: the actor, the filters and the moment."""

    actor: User | None
    filters: ReportFilters
    now: datetime = field(default_factory=utcnow)

    @property
    def today(self) -> date:
        return self.now.astimezone(UTC).date()

    # Participations and assignments ---------------------------------------------------------

    def _narrow(self, stmt: Select[Any], user_ids: Sequence[int] | None) -> Select[Any]:
        """Scope and row filters on a statement over cohort_participants (joined as needed)."""
        cp, f = CohortParticipant, self.filters
        if not scope.sees_everything(self.actor):
            stmt = stmt.join(Cohort, Cohort.id == cp.cohort_id).where(
                scope.cohort_condition(self.actor)
            )
        if not scope.sees_everything(self.actor) or f.language:
            stmt = stmt.join(User, User.id == cp.user_id).where(scope.person_condition(self.actor))
        if f.language:
            stmt = stmt.where(User.preferred_language == f.language)
        if f.cohort_id is not None:
            stmt = stmt.where(cp.cohort_id == f.cohort_id)
        if f.organisation_id is not None:
            stmt = stmt.where(
                exists().where(
                    OrganisationMember.user_id == cp.user_id,
                    OrganisationMember.organisation_id == f.organisation_id,
                )
            )
        if user_ids is not None:
            stmt = stmt.where(cp.user_id.in_(list(user_ids)))
        return stmt

    def assignments(self, user_ids: Sequence[int] | None = None) -> Subquery:
        """(user_id, module_id, due_on) of every assignment in scope and matching the filters
        on whole rows (organisation, cohort, module, language); a new subquery on each call."""
        cp, cm = CohortParticipant, CohortModule
        stmt = (
            select(
                cp.user_id.label("user_id"),
                cm.module_id.label("module_id"),
                func.min(cm.due_on).label("due_on"),
            )
            .join(cm, cm.cohort_id == cp.cohort_id)
            .group_by(cp.user_id, cm.module_id)
        )
        if self.filters.module_id is not None:
            stmt = stmt.where(cm.module_id == self.filters.module_id)
        return self._narrow(stmt, user_ids).subquery("assignments")

    def _counts(self, group: Any, *, completed: bool) -> Subquery:
        """Distinct assignments per ``group`` (a column of cohort_participants or cohort_modules),
        all of them or only the completed ones (a join to completions).

        COUNT(DISTINCT) over the raw participations is much cheaper than grouping 150,000
        (user, module) pairs first and counting those.
        """
        cp, cm = CohortParticipant, CohortModule
        counted = cm.module_id if group is cp.user_id else cp.user_id
        stmt = (
            select(group.label("key"), func.count(counted.distinct()).label("n"))
            .join(cm, cm.cohort_id == cp.cohort_id)
            .group_by(group)
        )
        if completed:
            stmt = stmt.join(
                Completion,
                and_(Completion.user_id == cp.user_id, Completion.module_id == cm.module_id),
            )
        if self.filters.module_id is not None:
            stmt = stmt.where(cm.module_id == self.filters.module_id)
        return self._narrow(stmt, None).subquery("completed" if completed else "assigned")

    def participants(self) -> Select[tuple[int]]:
        """The ids of the people with at least one assignment (no per-assignment filter)."""
        cp, cm = CohortParticipant, CohortModule
        has_module = exists().where(cm.cohort_id == cp.cohort_id)
        if self.filters.module_id is not None:
            has_module = exists().where(
                cm.cohort_id == cp.cohort_id, cm.module_id == self.filters.module_id
            )
        stmt = select(cp.user_id).where(has_module).group_by(cp.user_id)
        return self._narrow(stmt, None)

    # Facts about one assignment of ``a`` --------------------------------------------------------

    def latest_expiry(self, a: FromClause) -> Any:
        """``expires_at`` of the latest unrevoked certificate of the assignment's module."""
        return (
            select(Certificate.expires_at)
            .where(
                Certificate.user_id == a.c.user_id,
                Certificate.module_id == a.c.module_id,
                Certificate.revoked_at.is_(None),
            )
            .order_by(Certificate.completed_at.desc(), Certificate.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    def picked(self, a: FromClause, done: ColumnElement[bool]) -> ColumnElement[bool]:
        """The per-assignment filters (status, dates) on ``a``; ``done``: it was completed."""
        f = self.filters
        found: list[ColumnElement[bool]] = []
        if f.status is not None:
            started = exists().where(
                LessonProgress.user_id == a.c.user_id, LessonProgress.module_id == a.c.module_id
            )
            expired = self.latest_expiry(a) <= self.now
            pending = ~done & (a.c.due_on >= self.today)
            found.append(
                {
                    CellStatus.completed: done & ~func.coalesce(expired, False),
                    CellStatus.expired: done & expired,
                    CellStatus.overdue: ~done & (a.c.due_on < self.today),
                    CellStatus.in_progress: pending & started,
                    CellStatus.not_started: pending & ~started,
                }[f.status]
            )
        if f.due_from is not None:
            found.append(a.c.due_on >= f.due_from)
        if f.due_to is not None:
            found.append(a.c.due_on <= f.due_to)
        if f.completed_from is not None or f.completed_to is not None:
            found.append(
                exists().where(
                    Completion.user_id == a.c.user_id,
                    Completion.module_id == a.c.module_id,
                    *completed_between(f.completed_from, f.completed_to),
                )
            )
        return and_(*found)

    # Rows -----------------------------------------------------------------------------------------

    def _assigned_per_user(self) -> Subquery:
        """(key=user_id, n=modules assigned) of everyone with an assignment.

        Summing each cohort's number of modules over a person's cohorts is ten times cheaper
        than counting distinct modules, and exact for anyone in one cohort; the few people in
        several cohorts (who may get a module twice) are counted exactly, apart.
        """
        cp, cm = CohortParticipant, CohortModule
        sizes = select(cm.cohort_id, func.count().label("n")).group_by(cm.cohort_id)
        if self.filters.module_id is not None:
            sizes = sizes.where(cm.module_id == self.filters.module_id)
        size = sizes.subquery("cohort_sizes")
        summed = self._narrow(
            select(cp.user_id.label("key"), func.sum(size.c.n).label("n"))
            .join(size, size.c.cohort_id == cp.cohort_id)
            .group_by(cp.user_id),
            None,
        ).subquery("summed")
        several = self._narrow(
            select(cp.user_id).group_by(cp.user_id).having(func.count() > 1), None
        ).correlate(None)
        exact = self._narrow(
            select(cp.user_id.label("key"), func.count(cm.module_id.distinct()).label("n"))
            .join(cm, cm.cohort_id == cp.cohort_id)
            .where(cp.user_id.in_(several))
            .group_by(cp.user_id),
            None,
        )
        if self.filters.module_id is not None:
            exact = exact.where(cm.module_id == self.filters.module_id)
        counted = exact.subquery("exact")
        return (
            select(summed.c.key, func.coalesce(counted.c.n, summed.c.n).label("n"))
            .outerjoin(counted, counted.c.key == summed.c.key)
            .subquery("assigned")
        )

    def per_user(self) -> Subquery:
        """(user_id, share of assignments completed) of everyone with an assignment."""
        assigned = self._assigned_per_user()
        done = self._counts(CohortParticipant.user_id, completed=True)
        return (
            select(
                assigned.c.key.label("user_id"),
                (func.coalesce(done.c.n, 0) * 1.0 / assigned.c.n).label("share"),
            )
            .outerjoin(done, done.c.key == assigned.c.key)
            .subquery("shown")
        )

    def organisation_names(self) -> Any:
        """The names of a user's organisations in scope, joined by SEPARATOR (correlated)."""
        return (
            select(func.aggregate_strings(Organisation.name, SEPARATOR))
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(OrganisationMember.user_id == User.id, scope.organisation_condition(self.actor))
            .scalar_subquery()
        )

    def _first_organisation(self) -> Subquery:
        """(user_id, name_key) of each person's first organisation in scope, by name."""
        return (
            select(OrganisationMember.user_id, func.min(Organisation.name_key).label("name_key"))
            .join(Organisation, Organisation.id == OrganisationMember.organisation_id)
            .where(scope.organisation_condition(self.actor))
            .group_by(OrganisationMember.user_id)
            .subquery("first_organisation")
        )

    def rows_statement(self, *, limit: int | None = None, offset: int = 0) -> Select[Any]:
        """The shown trainees, sorted, with their organisations and the number of them all.

        With a filter on assignments, people are grouped from their assignments with the sort
        columns in the same GROUP BY: joining the HAVING's result would make PostgreSQL guess
        67 rows and loop over 20,000. The page is cut before organisation names are looked up
        (an OFFSET would otherwise compute them for every row it skips).
        """
        f = self.filters
        first = self._first_organisation() if f.sort is SortKey.organisation else None
        share: Any = None
        if f.picks_assignments:
            a = self.assignments()
            completed = is_completed(a)
            share = func.sum(case((completed, 1), else_=0)) * 1.0 / func.count()
            inner = select(User.id).select_from(a).join(User, User.id == a.c.user_id)
            group: list[Any] = [User.id, User.name]
            if first is not None:
                inner = inner.outerjoin(first, first.c.user_id == User.id)
                group.append(first.c.name_key)
            inner = inner.group_by(*group).having(
                func.sum(case((self.picked(a, completed), 1), else_=0)) > 0
            )
        else:
            if f.sort is SortKey.progress:
                shown = self.per_user()
                share = shown.c.share
            else:
                shown = self.participants().subquery("shown")
            inner = select(User.id).select_from(User).join(shown, shown.c.user_id == User.id)
            if first is not None:
                inner = inner.outerjoin(first, first.c.user_id == User.id)
        keys: list[Any] = []
        if first is not None:
            keys.append(first.c.name_key)
        elif f.sort is SortKey.progress:
            keys.append(share)
        terms = [k.desc().nulls_last() if f.descending else k.asc().nulls_last() for k in keys]
        name = func.lower(User.name)
        # Ties (and the name sort itself) go by name: A to Z unless the name sort is reversed.
        terms.append(name.desc() if f.descending and f.sort is SortKey.name else name.asc())
        terms.append(User.id)
        page = (
            inner.add_columns(
                func.count().over().label("row_count"),
                func.row_number().over(order_by=terms).label("position"),
            )
            .order_by(*terms)
            .limit(limit)
            .offset(offset)
            .subquery("page")
        )
        return (
            select(
                User.id,
                User.name,
                User.email,
                User.preferred_language,
                self.organisation_names().label("organisations"),
                page.c.row_count,
            )
            .join(page, page.c.id == User.id)
            .order_by(page.c.position)
        )

    # Totals and cells -----------------------------------------------------------------------------

    def totals_statement(self) -> Select[Any]:
        """(module_id, assigned, completed) over every trainee shown."""
        if not self.filters.picks_assignments:
            assigned = self._counts(CohortModule.module_id, completed=False)
            done = self._counts(CohortModule.module_id, completed=True)
            return select(assigned.c.key, assigned.c.n, func.coalesce(done.c.n, 0)).outerjoin(
                done, done.c.key == assigned.c.key
            )
        # A person is shown when one of their assignments is picked: a window over each
        # person's assignments says so without joining the people back (see rows_statement).
        a = self.assignments()
        completed = is_completed(a)
        flagged = select(
            a.c.module_id,
            case((completed, 1), else_=0).label("done"),
            func.max(case((self.picked(a, completed), 1), else_=0))
            .over(partition_by=a.c.user_id)
            .label("shown"),
        ).subquery("flagged")
        return (
            select(flagged.c.module_id, func.count(), func.sum(flagged.c.done))
            .where(flagged.c.shown == 1)
            .group_by(flagged.c.module_id)
        )

    def cells_statement(self, user_ids: Sequence[int]) -> Select[Any]:
        """Every assignment of these trainees with what its cell shows."""
        a = self.assignments(user_ids)
        reference = reference_lessons()
        progress = (
            select(
                LessonProgress.user_id,
                LessonProgress.module_id,
                func.count().label("opened"),
                func.count(reference.c.key).label("done"),
            )
            .outerjoin(
                reference,
                and_(
                    reference.c.module_id == LessonProgress.module_id,
                    reference.c.key == LessonProgress.lesson_key,
                ),
            )
            .where(LessonProgress.user_id.in_(list(user_ids)))
            .group_by(LessonProgress.user_id, LessonProgress.module_id)
            .subquery("progress")
        )
        completed = (
            select(
                Completion.user_id,
                Completion.module_id,
                func.max(Completion.completed_at).label("completed_at"),
            )
            .where(Completion.user_id.in_(list(user_ids)))
            .group_by(Completion.user_id, Completion.module_id)
            .subquery("completed")
        )
        return (
            select(
                a.c.user_id,
                a.c.module_id,
                a.c.due_on,
                completed.c.completed_at,
                self.latest_expiry(a).label("expires_at"),
                func.coalesce(progress.c.opened, 0).label("opened"),
                func.coalesce(progress.c.done, 0).label("done"),
            )
            .select_from(a)
            .outerjoin(
                completed,
                and_(completed.c.user_id == a.c.user_id, completed.c.module_id == a.c.module_id),
            )
            .outerjoin(
                progress,
                and_(progress.c.user_id == a.c.user_id, progress.c.module_id == a.c.module_id),
            )
        )
