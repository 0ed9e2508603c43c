"""Import a checked module tree into the database; read what the content pages need."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content.models import Lesson, MediaFile, Module, ModuleVersion
from lms.content.parser import DEFAULT_PASS_MARK, ParsedModule
from lms.content.problems import Problem, problem
from lms.content.quiz_render import build_quiz_data
from lms.content.quizdata import QuizData
from lms.content.render import Links, render
from lms.content.validation import check_tree, scan_tree

__all__ = [
    "ImportEntry",
    "ImportReport",
    "Problem",
    "check_tree",
    "get_media",
    "import_tree",
]


@dataclass(frozen=True)
class ImportEntry:
    module_id: str
    language: str
    version: int


@dataclass
class ImportReport:
    """What an import stored, what it found unchanged, and every problem that stopped a module."""

    created: list[ImportEntry] = field(default_factory=list)
    unchanged: list[ImportEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # module ids not imported at all

    def summary(self) -> str:
        """One line per module, then a total line."""
        lines = []
        modules = sorted({e.module_id for e in self.created + self.unchanged} | set(self.refused))
        for module_id in modules:
            if module_id in self.refused:
                lines.append(_("%(id)s: not imported, see the problems above", id=module_id))
                continue
            created = _versions(self.created, module_id)
            unchanged = _versions(self.unchanged, module_id)
            if created and unchanged:
                lines.append(
                    _(
                        "%(id)s: new %(created)s; unchanged %(unchanged)s",
                        id=module_id,
                        created=created,
                        unchanged=unchanged,
                    )
                )
            elif created:
                lines.append(_("%(id)s: new %(created)s", id=module_id, created=created))
            else:
                lines.append(
                    _("%(id)s: unchanged %(unchanged)s", id=module_id, unchanged=unchanged)
                )
        lines.append(
            _(
                "Total: %(created)s, %(unchanged)s, %(refused)s.",
                created=ngettext(
                    "%(num)s version imported", "%(num)s versions imported", len(self.created)
                ),
                unchanged=ngettext("%(num)s unchanged", "%(num)s unchanged", len(self.unchanged)),
                refused=ngettext(
                    "%(num)s module refused", "%(num)s modules refused", len(self.refused)
                ),
            )
        )
        return "\n".join(lines)


def _versions(entries: list[ImportEntry], module_id: str) -> str:
    return ", ".join(f"{e.language} v{e.version}" for e in entries if e.module_id == module_id)


def import_tree(session: Session, root: Path) -> ImportReport:
    """Check the tree under ``root`` and store every new module version of modules without
    problems. A module with any problem, in any language, stores nothing. Flushes, never commits.
    """
    scan = scan_tree(root)
    report = ImportReport(problems=list(scan.other_problems))
    for module_id in sorted(scan.modules):
        languages = scan.modules[module_id]
        if module_id in scan.blocked:
            report.problems.extend(scan.problems_of(module_id))
            report.refused.append(module_id)
            continue
        new, unchanged, problems = _plan(session, module_id, languages)
        if problems:
            report.problems.extend(problems)
            report.refused.append(module_id)
            continue
        for module in new:
            _store(session, module_id, module)
            report.created.append(ImportEntry(module_id, module.language, _version(module)))
        report.unchanged.extend(ImportEntry(module_id, m.language, _version(m)) for m in unchanged)
    report.problems.sort()
    session.flush()
    return report


def _version(module: ParsedModule) -> int:
    version = module.version
    assert version is not None  # a module without a valid version is blocked by the checks
    return version


def _plan(
    session: Session, module_id: str, languages: dict[str, ParsedModule]
) -> tuple[list[ParsedModule], list[ParsedModule], list[Problem]]:
    """Split a module's languages into new and unchanged versions, or find why it cannot import."""
    new: list[ParsedModule] = []
    unchanged: list[ParsedModule] = []
    problems: list[Problem] = []
    for language in sorted(languages):
        module = languages[language]
        version = _version(module)
        rows = session.execute(
            select(ModuleVersion.version, ModuleVersion.content_hash).where(
                ModuleVersion.module_id == module_id, ModuleVersion.language == language
            )
        ).tuples()
        stored = {number: digest for number, digest in rows}
        line = module.front.line_of("version")
        if version in stored:
            if stored[version] == module.content_hash:
                unchanged.append(module)
            else:
                problems.append(
                    problem(
                        module.module_file,
                        line,
                        _(
                            "content changed but version is still %(version)s: bump `version`",
                            version=version,
                        ),
                    )
                )
        elif stored and version < max(stored):
            problems.append(
                problem(
                    module.module_file,
                    line,
                    _(
                        "version %(version)s is older than the imported version %(latest)s: "
                        "use version %(next)s",
                        version=version,
                        latest=max(stored),
                        next=max(stored) + 1,
                    ),
                )
            )
        else:
            new.append(module)
    return new, unchanged, problems


def _store(session: Session, module_id: str, parsed: ParsedModule) -> ModuleVersion:
    """Render once and store one module version with its lessons and media."""
    if session.get(Module, module_id) is None:
        session.add(Module(id=module_id))
    meta = parsed.meta
    version = _version(parsed)
    links = Links.of(module_id, parsed.language, version)

    def html(source: str) -> str:
        return render(source, language=parsed.language, links=links)

    overview = parsed.overview
    pass_mark: int = meta.get("pass_mark", DEFAULT_PASS_MARK)
    max_attempts: int | None = meta.get("max_attempts")
    quiz_data: QuizData | None = None
    if parsed.quiz is not None:
        quiz_data = build_quiz_data(
            parsed.quiz,
            language=parsed.language,
            links=links,
            pass_mark=pass_mark,
            max_attempts=max_attempts,
        )
        # The module's columns say what the quiz enforces, wherever the author set it.
        pass_mark, max_attempts = quiz_data["pass_mark"], quiz_data["max_attempts"]
    row = ModuleVersion(
        module_id=module_id,
        language=parsed.language,
        version=version,
        source_version=meta.get("source_version"),
        title=meta["title"],
        summary=meta["summary"],
        duration_minutes=meta["duration_minutes"],
        pass_mark=pass_mark,
        max_attempts=max_attempts,
        content_note=meta.get("content_note"),
        prerequisites=list(meta.get("prerequisites", [])),
        certificate_valid_months=meta.get("certificate_valid_months"),
        objectives=list(meta.get("objectives", [])),
        overview_source=overview,
        overview_html=html(overview) if overview.strip() else "",
        quiz_source=parsed.quiz_source,
        quiz_data=dict(quiz_data) if quiz_data is not None else None,
        content_hash=parsed.content_hash,
    )
    for position, lesson in enumerate(parsed.lessons, start=1):
        # Every lesson's HTML opens with its title, wherever the author wrote it.
        title = "" if lesson.title_in_body else f"<h1>{escape(lesson.title)}</h1>\n"
        row.lessons.append(
            Lesson(
                position=position,
                key=lesson.key,
                title=lesson.title,
                source=lesson.source,
                html=title + html(lesson.body),
            )
        )
    for media in parsed.media:
        row.media.append(
            MediaFile(
                path=media.path,
                content_type=media.content_type,
                sha256=media.sha256,
                data=media.data,
            )
        )
    session.add(row)
    return row


def get_media(
    session: Session, module_id: str, language: str, version: int, path: str
) -> MediaFile | None:
    """The stored media file at ``path`` (relative to media/) of one module version."""
    return session.scalars(
        select(MediaFile)
        .join(ModuleVersion)
        .where(
            ModuleVersion.module_id == module_id,
            ModuleVersion.language == language,
            ModuleVersion.version == version,
            MediaFile.path == path,
        )
    ).first()
