"""Which version of a module to show for an interface language, and its lesson sequence.

A module is shown in its latest version in the interface language when one exists, else in the
latest English version (English is the source). A translation made from an older English
version is "behind"; English lessons it lacks are shown in English in their place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, defer, selectinload

from lms.config import LANGUAGES
from lms.content.models import Lesson, ModuleVersion

SOURCE_LANGUAGE = "en"


class ModuleNotFound(LookupError):
    """No module with this id has any imported version."""


class LessonNotFound(LookupError):
    """The module has no lesson with this key."""


@dataclass(frozen=True)
class LessonRef:
    """A lesson in the order a trainee follows it, in the language it is shown in."""

    key: str
    title: str
    number: int  # 1-based place in the module's lesson sequence
    language: str
    lesson: Lesson


@dataclass(frozen=True)
class ResolvedModule:
    """A module as shown for one interface language: its displayed version and lessons."""

    module_id: str
    requested_language: str
    version: ModuleVersion
    english: ModuleVersion | None  # latest English version (the source), if any
    lessons: tuple[LessonRef, ...]

    @property
    def language(self) -> str:
        return self.version.language

    @property
    def title(self) -> str:
        return self.version.title

    @property
    def is_fallback(self) -> bool:
        """No version exists in the requested language; another language is shown."""
        return self.version.language != self.requested_language

    @property
    def is_behind(self) -> bool:
        """The shown translation was made from an older English version than the latest."""
        if self.english is None or self.version.language == SOURCE_LANGUAGE:
            return False
        source = self.version.source_version
        return source is not None and source < self.english.version

    @property
    def first_lesson(self) -> LessonRef | None:
        return self.lessons[0] if self.lessons else None

    def lesson(self, key: str) -> LessonRef | None:
        """The lesson with ``key``, or None."""
        for ref in self.lessons:
            if ref.key == key:
                return ref
        return None

    def neighbours(self, key: str) -> tuple[LessonRef | None, LessonRef | None]:
        """The lessons before and after ``key`` (None at either end)."""
        ref = self.lesson(key)
        if ref is None:
            raise LessonNotFound(key)
        index = ref.number - 1
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
        return previous, following


def _latest_versions(
    session: Session, module_ids: Collection[str] | None
) -> dict[str, dict[str, ModuleVersion]]:
    """Latest version of each (module, language), with lesson outlines: two queries."""
    latest = select(
        ModuleVersion.module_id,
        ModuleVersion.language,
        func.max(ModuleVersion.version).label("version"),
    ).group_by(ModuleVersion.module_id, ModuleVersion.language)
    if module_ids is not None:
        latest = latest.where(ModuleVersion.module_id.in_(list(module_ids)))
    sub = latest.subquery()
    stmt = (
        select(ModuleVersion)
        .join(
            sub,
            and_(
                ModuleVersion.module_id == sub.c.module_id,
                ModuleVersion.language == sub.c.language,
                ModuleVersion.version == sub.c.version,
            ),
        )
        .options(
            # Sources and quizzes are never shown here; lesson bodies load only when opened.
            defer(ModuleVersion.overview_source),
            defer(ModuleVersion.quiz_source),
            defer(ModuleVersion.quiz_data),
            selectinload(ModuleVersion.lessons).load_only(
                Lesson.module_version_id, Lesson.position, Lesson.key, Lesson.title
            ),
        )
    )
    found: dict[str, dict[str, ModuleVersion]] = defaultdict(dict)
    for version in session.scalars(stmt):
        found[version.module_id][version.language] = version
    return found


def _choose(versions: dict[str, ModuleVersion], language: str) -> ModuleVersion:
    if language in versions:
        return versions[language]
    if SOURCE_LANGUAGE in versions:
        return versions[SOURCE_LANGUAGE]
    # No English either: any language we have, in a stable order.
    for code in LANGUAGES:
        if code in versions:
            return versions[code]
    return versions[min(versions)]


def _lesson_sequence(shown: ModuleVersion, english: ModuleVersion | None) -> tuple[LessonRef, ...]:
    """The shown version's lessons; English lessons a lagging translation lacks are slotted in
    after the lesson that precedes them in English, so every current lesson stays reachable."""
    entries: list[tuple[Lesson, str]] = [(lesson, shown.language) for lesson in shown.lessons]
    if english is not None and english is not shown:
        keys = {lesson.key for lesson, _lang in entries}
        previous: str | None = None
        for lesson in english.lessons:
            if lesson.key not in keys:
                at = 0
                if previous is not None:
                    at = next(i for i, (le, _l) in enumerate(entries) if le.key == previous) + 1
                entries.insert(at, (lesson, english.language))
                keys.add(lesson.key)
            previous = lesson.key
    return tuple(
        LessonRef(key=lesson.key, title=lesson.title, number=n, language=lang, lesson=lesson)
        for n, (lesson, lang) in enumerate(entries, start=1)
    )


def _resolve(module_id: str, versions: dict[str, ModuleVersion], language: str) -> ResolvedModule:
    shown = _choose(versions, language)
    english = versions.get(SOURCE_LANGUAGE)
    return ResolvedModule(
        module_id=module_id,
        requested_language=language,
        version=shown,
        english=english,
        lessons=_lesson_sequence(shown, english),
    )


def resolve_modules(
    session: Session, language: str, module_ids: Collection[str] | None = None
) -> list[ResolvedModule]:
    """Every module (or those in ``module_ids``) as shown in ``language``, in curriculum order:
    prerequisites before the modules that need them, then by title.

    Runs a fixed number of queries whatever the number of modules.
    """
    if module_ids is not None and not module_ids:
        return []
    found = _latest_versions(session, module_ids)
    resolved = [_resolve(mid, versions, language) for mid, versions in found.items()]
    depth = _prerequisite_depths({m.module_id: m.version.prerequisites or [] for m in resolved})
    resolved.sort(key=lambda m: (depth[m.module_id], m.title.casefold(), m.module_id))
    return resolved


def _prerequisite_depths(prerequisites: dict[str, list[str]]) -> dict[str, int]:
    """Length of each module's longest chain of prerequisites (cycles are refused at import)."""
    depths: dict[str, int] = {}

    def depth(module_id: str, seen: frozenset[str]) -> int:
        if module_id in depths:
            return depths[module_id]
        needed = [
            p for p in prerequisites.get(module_id, []) if p in prerequisites and p not in seen
        ]
        depths[module_id] = 1 + max((depth(p, seen | {module_id}) for p in needed), default=-1)
        return depths[module_id]

    for module_id in prerequisites:
        depth(module_id, frozenset())
    return depths


def resolve_module(session: Session, module_id: str, language: str) -> ResolvedModule:
    """One module as shown in ``language``. Raises ModuleNotFound."""
    found = _latest_versions(session, [module_id])
    if module_id not in found:
        raise ModuleNotFound(module_id)
    return _resolve(module_id, found[module_id], language)
