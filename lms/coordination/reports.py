"""Completion reports: the completion matrix and the completions list, aggregated in SQL.

An *assignment* is a (trainee, module) pair: the trainee takes part in a cohort that assigns the
module. A coordinator's reports hold the assignments of the cohorts in their scope, for the people
in their scope (``services.scope``); an admin's hold every assignment. When several cohorts assign
the same module to a person, the earliest due date counts. The status of an assignment, at
``now`` (dates compared in UTC):

* completed: the trainee has a Completion of any version of the module, and the latest
  unrevoked certificate of the module (by completion date) has not expired;
* expired: completed, but that latest certificate has expired;
* overdue: not completed, and the due date is before today;
* in progress: not completed, not overdue, and at least one lesson of the module opened;
* not started: none of these.

A page runs a fixed number of queries whatever the number of rows (``report_sql`` has the SQL);
the exports stream their rows from a server-side cursor.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.certificates.services import Status as CertificateStatus
from lms.content.models import ModuleVersion
from lms.coordination.models import CohortModule, CohortParticipant, OrganisationMember
from lms.coordination.report_sql import (
    SEPARATOR,
    CellStatus,
    MatrixQuery,
    ReportFilters,
    SortKey,
    completed_between,
    reference_lessons,
    tune,
)
from lms.coordination.services import scope
from lms.db import utcnow
from lms.quiz.models import Completion

__all__ = [
    "PER_PAGE",
    "Cell",
    "CellStatus",
    "CompletionRow",
    "MatrixPage",
    "MatrixRow",
    "ModuleTotal",
    "ReportFilters",
    "SortKey",
    "iter_completions",
    "iter_matrix",
    "lesson_totals",
    "matrix_module_ids",
    "matrix_page",
    "matrix_totals",
]

PER_PAGE = 50
STREAM_BATCH = 1000  # rows fetched per round trip by the exports' server-side cursors


@dataclass(frozen=True)
class Cell:
    """One assignment of the matrix."""

    module_id: str
    status: CellStatus
    due_on: date
    completed_at: datetime | None
    lessons_done: int  # lessons of the module's reference version opened
    lessons_total: int  # lessons of the latest English version (else the latest version)
    certificate_expires_at: datetime | None


@dataclass(frozen=True)
class MatrixRow:
    """A trainee and their assignments, by module id."""

    user_id: int
    name: str
    email: str
    language: str
    organisations: tuple[str, ...]  # in the actor's scope, by name
    cells: dict[str, Cell]

    @property
    def completed(self) -> int:
        """Assigned modules with a completion (certificate expired or not)."""
        done = (CellStatus.completed, CellStatus.expired)
        return sum(1 for cell in self.cells.values() if cell.status in done)


@dataclass(frozen=True)
class ModuleTotal:
    module_id: str
    assigned: int
    completed: int  # with a completion, whether or not its certificate has expired


@dataclass(frozen=True)
class MatrixPage:
    rows: list[MatrixRow]
    totals: dict[str, ModuleTotal]  # one per column (module id)
    row_count: int  # trainees matching the filters, on every page
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.row_count / self.per_page))


@dataclass(frozen=True)
class CompletionRow:
    """One completion, for the completions list."""

    name: str
    email: str
    organisations: tuple[str, ...]
    module_id: str
    version: int
    language: str
    completed_at: datetime
    score: float | None
    certificate_code: str | None
    certificate_status: CertificateStatus | None


def _names(joined: str | None) -> tuple[str, ...]:
    if not joined:
        return ()
    return tuple(sorted(set(joined.split(SEPARATOR)), key=lambda name: (name.casefold(), name)))


def _cell(query: MatrixQuery, row: Any, lesson_counts: dict[str, int]) -> Cell:
    completed_at: datetime | None = row.completed_at
    expires_at: datetime | None = row.expires_at
    if completed_at is not None:
        expired = expires_at is not None and expires_at <= query.now
        status = CellStatus.expired if expired else CellStatus.completed
    elif row.due_on < query.today:
        status = CellStatus.overdue
    elif row.opened:
        status = CellStatus.in_progress
    else:
        status = CellStatus.not_started
    return Cell(
        module_id=row.module_id,
        status=status,
        due_on=row.due_on,
        completed_at=completed_at,
        lessons_done=int(row.done),
        lessons_total=lesson_counts.get(row.module_id, 0),
        certificate_expires_at=expires_at,
    )


def lesson_totals(session: Session, module_ids: Sequence[str] | None = None) -> dict[str, int]:
    """The number of lessons of each module's reference version (of all modules when
    ``module_ids`` is None; one query)."""
    if module_ids is not None and not module_ids:
        return {}
    reference = reference_lessons()
    stmt = select(reference.c.module_id, func.count()).group_by(reference.c.module_id)
    if module_ids is not None:
        stmt = stmt.where(reference.c.module_id.in_(list(module_ids)))
    return dict(session.execute(stmt).tuples().all())


def matrix_totals(
    session: Session, actor: User | None, filters: ReportFilters, now: datetime | None = None
) -> dict[str, ModuleTotal]:
    """Assigned and completed per module over every trainee matching the filters (one query)."""
    query = MatrixQuery(actor, filters, now or utcnow())
    return {
        module_id: ModuleTotal(module_id, int(assigned), int(completed))
        for module_id, assigned, completed in session.execute(query.totals_statement())
    }


def _matrix_rows(
    session: Session, query: MatrixQuery, people: Sequence[Any], lesson_counts: dict[str, int]
) -> list[MatrixRow]:
    """``people`` (rows of ``rows_statement``) with their cells: one query."""
    ids = [person.id for person in people]
    cells: dict[int, dict[str, Cell]] = {user_id: {} for user_id in ids}
    for row in session.execute(query.cells_statement(ids)):
        cells[row.user_id][row.module_id] = _cell(query, row, lesson_counts)
    return [
        MatrixRow(
            user_id=person.id,
            name=person.name,
            email=person.email,
            language=person.preferred_language,
            organisations=_names(person.organisations),
            cells=cells[person.id],
        )
        for person in people
    ]


def matrix_page(
    session: Session,
    actor: User | None,
    filters: ReportFilters,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> MatrixPage:
    """One page of the completion matrix, with the totals of every matching trainee.

    Five queries whatever the number of trainees: settings (PostgreSQL), totals, the page's
    rows (with the number of all rows), their cells and the lesson count of each module.
    Raises ValueError for a page < 1.
    """
    if page < 1:
        raise ValueError(f"page {page} is before the first page")
    query = MatrixQuery(actor, filters, now or utcnow())
    tune(session)
    totals = matrix_totals(session, actor, filters, query.now)
    people = session.execute(
        query.rows_statement(limit=per_page, offset=(page - 1) * per_page)
    ).all()
    if not people:  # no trainee matches, or the page is past the last one
        return MatrixPage([], totals, 0, page, per_page)
    rows = _matrix_rows(session, query, people, lesson_totals(session, sorted(totals)))
    return MatrixPage(rows, totals, int(people[0].row_count), page, per_page)


def iter_matrix(
    session: Session, actor: User | None, filters: ReportFilters, now: datetime | None = None
) -> Iterator[MatrixRow]:
    """Every row of the matrix in order, for exports: memory stays flat whatever the size.

    The sorted trainees come from a server-side cursor, STREAM_BATCH at a time; each batch's
    cells take one more query (on the trainees' ids, so each is as quick as a page).
    """
    query = MatrixQuery(actor, filters, now or utcnow())
    tune(session)
    counts = lesson_totals(session)
    stmt = query.rows_statement().execution_options(yield_per=STREAM_BATCH)
    for people in session.execute(stmt).partitions():
        yield from _matrix_rows(session, query, people, counts)


def matrix_module_ids(
    session: Session, actor: User | None, filters: ReportFilters, now: datetime | None = None
) -> list[str]:
    """The modules assigned to the trainees matching the filters (the matrix's columns)."""
    tune(session)
    return sorted(matrix_totals(session, actor, filters, now))


def iter_completions(
    session: Session, actor: User | None, filters: ReportFilters, now: datetime | None = None
) -> Iterator[CompletionRow]:
    """Every completion of the people in scope, by name, streamed from a server-side cursor.

    Filters used: organisation and language (of the trainee), cohort (its participants and
    the modules it assigns), module and completion dates; status and due dates do not apply.
    """
    query = MatrixQuery(actor, filters, now or utcnow())
    tune(session)
    f = filters
    stmt = (
        select(
            User.name,
            User.email,
            query.organisation_names().label("organisations"),
            Completion.module_id,
            ModuleVersion.version,
            Completion.language,
            Completion.completed_at,
            Completion.score,
            Certificate.code,
            Certificate.expires_at,
            Certificate.revoked_at,
        )
        .select_from(Completion)
        .join(User, User.id == Completion.user_id)
        .join(ModuleVersion, ModuleVersion.id == Completion.module_version_id)
        .outerjoin(Certificate, Certificate.completion_id == Completion.id)
        .where(scope.person_condition(actor), *completed_between(f.completed_from, f.completed_to))
        .order_by(func.lower(User.name), User.id, Completion.completed_at, Completion.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    if f.module_id is not None:
        stmt = stmt.where(Completion.module_id == f.module_id)
    if f.language:
        stmt = stmt.where(User.preferred_language == f.language)
    if f.organisation_id is not None:
        stmt = stmt.where(
            exists().where(
                OrganisationMember.user_id == User.id,
                OrganisationMember.organisation_id == f.organisation_id,
            )
        )
    if f.cohort_id is not None:
        stmt = stmt.where(
            exists().where(
                CohortParticipant.cohort_id == f.cohort_id,
                CohortParticipant.user_id == User.id,
            ),
            exists().where(
                CohortModule.cohort_id == f.cohort_id,
                CohortModule.module_id == Completion.module_id,
            ),
        )
    for row in session.execute(stmt):
        status: CertificateStatus | None = None
        if row.code is not None:
            if row.revoked_at is not None:
                status = CertificateStatus.revoked
            elif row.expires_at is not None and row.expires_at <= query.now:
                status = CertificateStatus.expired
            else:
                status = CertificateStatus.valid
        yield CompletionRow(
            name=row.name,
            email=row.email,
            organisations=_names(row.organisations),
            module_id=row.module_id,
            version=row.version,
            language=row.language,
            completed_at=row.completed_at,
            score=row.score,
            certificate_code=row.code,
            certificate_status=status,
        )
