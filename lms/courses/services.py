"""Studying a module: enrolment, lesson progress and where to resume.

Progress is keyed by (user, module, lesson key): the key is the same in every language, so a
trainee who switches language keeps every lesson done. Which version is shown in which
language is decided in :mod:`lms.courses.resolution`, re-exported here for the views.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Executable, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.courses.models import Enrolment, LessonProgress
from lms.courses.resolution import (
    SOURCE_LANGUAGE,
    LessonNotFound,
    LessonRef,
    ModuleNotFound,
    ResolvedModule,
    resolve_module,
    resolve_modules,
)
from lms.courses.signals import lesson_opened
from lms.db import utcnow

__all__ = [
    "SOURCE_LANGUAGE",
    "LessonNotFound",
    "LessonRef",
    "ModuleNotFound",
    "ModuleProgress",
    "ResolvedModule",
    "enrol",
    "enrolled_modules",
    "get_enrolment",
    "load_progress",
    "open_lesson",
    "resolve_module",
    "resolve_modules",
    "resume_key",
]


@dataclass(frozen=True)
class ModuleProgress:
    """A trainee's standing in one module: enrolment (if any) and lesson keys opened."""

    module: ResolvedModule
    enrolment: Enrolment | None
    opened_keys: frozenset[str]

    @property
    def is_enrolled(self) -> bool:
        return self.enrolment is not None

    @property
    def total(self) -> int:
        return len(self.module.lessons)

    @property
    def done(self) -> int:
        return sum(1 for ref in self.module.lessons if ref.key in self.opened_keys)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def is_started(self) -> bool:
        return self.done > 0

    @property
    def is_complete(self) -> bool:
        """Every lesson of the shown sequence has been opened."""
        return self.total > 0 and self.done == self.total

    def is_opened(self, key: str) -> bool:
        return key in self.opened_keys

    @property
    def resume_lesson(self) -> LessonRef | None:
        """Where "Continue" goes: see :func:`resume_key`."""
        last = self.enrolment.last_lesson_key if self.enrolment else None
        key = resume_key([ref.key for ref in self.module.lessons], self.opened_keys, last)
        return self.module.lesson(key) if key is not None else None


def resume_key(order: Sequence[str], opened: Collection[str], last_key: str | None) -> str | None:
    """The first unopened lesson after the last opened one, else the first unopened one,
    else (all opened) the last opened one; None when there are no lessons."""
    if not order:
        return None
    if last_key in order:
        start = order.index(last_key) + 1
        for key in order[start:]:
            if key not in opened:
                return key
    for key in order:
        if key not in opened:
            return key
    return last_key if last_key in order else order[-1]


def get_enrolment(session: Session, user_id: int, module_id: str) -> Enrolment | None:
    """The user's enrolment in the module, or None."""
    return session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.module_id == module_id)
    )


def enrol(session: Session, user_id: int, module_id: str) -> tuple[Enrolment, bool]:
    """Enrol the user once; returns (enrolment, created). Safe against a concurrent enrol."""
    existing = get_enrolment(session, user_id, module_id)
    if existing is not None:
        return existing, False
    enrolment = Enrolment(user_id=user_id, module_id=module_id, enrolled_at=utcnow())
    try:
        # The SAVEPOINT keeps the outer transaction usable when another request won the race.
        with session.begin_nested():
            session.add(enrolment)
    except IntegrityError:
        winner = get_enrolment(session, user_id, module_id)
        if winner is None:  # the error was not the unique constraint: let it surface
            raise
        return winner, False
    return enrolment, True


def _upsert_progress(
    session: Session, user_id: int, module_id: str, lesson_key: str, now: datetime
) -> None:
    """Insert the progress row, or only move ``last_opened_at``: one atomic statement."""
    values = {
        "user_id": user_id,
        "module_id": module_id,
        "lesson_key": lesson_key,
        "first_opened_at": now,
        "last_opened_at": now,
    }
    conflict = [LessonProgress.user_id, LessonProgress.module_id, LessonProgress.lesson_key]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(LessonProgress).values(**values)
        stmt: Executable = pg_stmt.on_conflict_do_update(
            index_elements=conflict, set_={"last_opened_at": pg_stmt.excluded.last_opened_at}
        )
    elif dialect == "sqlite":
        lite_stmt = sqlite.insert(LessonProgress).values(**values)
        stmt = lite_stmt.on_conflict_do_update(
            index_elements=conflict, set_={"last_opened_at": lite_stmt.excluded.last_opened_at}
        )
    else:
        raise NotImplementedError(f"lesson progress upsert is not written for {dialect}")
    session.execute(stmt)


def open_lesson(
    session: Session,
    enrolment: Enrolment,
    module: ResolvedModule,
    lesson_key: str,
    now: datetime | None = None,
) -> LessonRef:
    """Record that the enrolled trainee opened a lesson. Raises LessonNotFound, ValueError."""
    if enrolment.module_id != module.module_id:
        raise ValueError(
            f"enrolment {enrolment.id} is for module {enrolment.module_id!r}, "
            f"not {module.module_id!r}"
        )
    ref = module.lesson(lesson_key)
    if ref is None:
        raise LessonNotFound(lesson_key)
    now = now or utcnow()
    _upsert_progress(session, enrolment.user_id, module.module_id, ref.key, now)
    enrolment.last_lesson_key = ref.key
    enrolment.last_activity_at = now
    session.flush()
    lesson_opened.send(
        None,
        session=session,
        user_id=enrolment.user_id,
        module_id=module.module_id,
        module_version_id=module.version.id,
    )
    return ref


def _opened_keys(
    session: Session, user_id: int, module_ids: Iterable[str]
) -> dict[str, frozenset[str]]:
    rows = session.execute(
        select(LessonProgress.module_id, LessonProgress.lesson_key).where(
            LessonProgress.user_id == user_id, LessonProgress.module_id.in_(list(module_ids))
        )
    )
    opened: dict[str, set[str]] = defaultdict(set)
    for module_id, key in rows:
        opened[module_id].add(key)
    return {module_id: frozenset(keys) for module_id, keys in opened.items()}


def load_progress(
    session: Session, user_id: int | None, modules: Sequence[ResolvedModule]
) -> list[ModuleProgress]:
    """Each module with the user's enrolment and opened lessons (none for anonymous users).

    Two queries whatever the number of modules.
    """
    if user_id is None or not modules:
        return [ModuleProgress(m, None, frozenset()) for m in modules]
    ids = [m.module_id for m in modules]
    enrolments = {
        e.module_id: e
        for e in session.scalars(
            select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.module_id.in_(ids))
        )
    }
    opened = _opened_keys(session, user_id, ids)
    return [
        ModuleProgress(m, enrolments.get(m.module_id), opened.get(m.module_id, frozenset()))
        for m in modules
    ]


def enrolled_modules(session: Session, user_id: int, language: str) -> list[ModuleProgress]:
    """The user's enrolled modules as shown in ``language``, most recently studied first.

    A fixed number of queries whatever the number of enrolments.
    """
    enrolments = list(session.scalars(select(Enrolment).where(Enrolment.user_id == user_id)))
    if not enrolments:
        return []
    enrolments.sort(key=lambda e: e.last_activity_at or e.enrolled_at, reverse=True)
    ids = [e.module_id for e in enrolments]
    modules = {m.module_id: m for m in resolve_modules(session, language, ids)}
    opened = _opened_keys(session, user_id, ids)
    return [
        ModuleProgress(modules[e.module_id], e, opened.get(e.module_id, frozenset()))
        for e in enrolments
        if e.module_id in modules  # a module whose versions were all removed is not listed
    ]
