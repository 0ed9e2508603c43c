"""Translation status: the latest version of each module per language, compared with English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from lms.config import LANGUAGES
from lms.content.models import ModuleVersion
from lms.content.validation import SOURCE_LANGUAGE


@dataclass
class LanguageStatus:
    """The latest version of a module in one language, compared with English."""

    language: str
    version: int | None = None
    source_version: int | None = None
    imported_at: datetime | None = None
    behind_by: int = 0  # English versions this translation has not caught up with

    @property
    def state(self) -> str:
        """``missing``, ``source`` (English), ``behind`` or ``current``."""
        if self.version is None:
            return "missing"
        if self.language == SOURCE_LANGUAGE:
            return "source"
        return "behind" if self.behind_by > 0 else "current"


@dataclass
class ModuleStatus:
    module_id: str
    title: str
    languages: list[LanguageStatus]

    @property
    def behind(self) -> list[LanguageStatus]:
        return [s for s in self.languages if s.state == "behind"]


def translation_status(session: Session) -> list[ModuleStatus]:
    """Per module, the latest version in each language and how far translations lag English."""
    newest = (
        select(
            ModuleVersion.module_id,
            ModuleVersion.language,
            func.max(ModuleVersion.version).label("version"),
        )
        .group_by(ModuleVersion.module_id, ModuleVersion.language)
        .subquery()
    )
    rows = session.scalars(
        select(ModuleVersion)
        .join(
            newest,
            (ModuleVersion.module_id == newest.c.module_id)
            & (ModuleVersion.language == newest.c.language)
            & (ModuleVersion.version == newest.c.version),
        )
        .options(
            load_only(
                ModuleVersion.module_id,
                ModuleVersion.language,
                ModuleVersion.version,
                ModuleVersion.source_version,
                ModuleVersion.title,
                ModuleVersion.imported_at,
            )
        )
        .order_by(ModuleVersion.module_id)
    ).all()
    by_module: dict[str, dict[str, ModuleVersion]] = {}
    for row in rows:
        by_module.setdefault(row.module_id, {})[row.language] = row
    result = []
    for module_id, versions in by_module.items():
        english = versions.get(SOURCE_LANGUAGE)
        statuses = []
        for language in LANGUAGES:
            latest = versions.get(language)
            if latest is None:
                statuses.append(LanguageStatus(language))
                continue
            behind = 0
            if english is not None and language != SOURCE_LANGUAGE:
                behind = max(0, english.version - (latest.source_version or 0))
            statuses.append(
                LanguageStatus(
                    language,
                    version=latest.version,
                    source_version=latest.source_version,
                    imported_at=latest.imported_at,
                    behind_by=behind,
                )
            )
        title = (english or next(iter(versions.values()))).title
        result.append(ModuleStatus(module_id, title, statuses))
    return result
