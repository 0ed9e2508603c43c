"""Plain factory functions for tests: ``make_user(session, **overrides)`` and friends."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import Role, User
from lms.content.models import Lesson, Module, ModuleVersion

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_user(session: Session, **overrides: Any) -> User:
    n = next(_seq)
    password = overrides.pop("password", PASSWORD)
    fields: dict[str, Any] = {
        "email": f"user{n}@example.org",
        "name": f"Test User {n}",
        "role": Role.trainee,
        "preferred_language": "en",
    }
    fields.update(overrides)
    user = User(**fields)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def make_module_version(
    session: Session,
    module_id: str = "trafficking-basics",
    language: str = "en",
    version: int = 1,
    lessons: list[tuple[str, str]] | None = None,
    **overrides: Any,
) -> ModuleVersion:
    """A stored module version; ``lessons`` are (key, title) pairs with generated HTML."""
    module = session.get(Module, module_id)
    if module is None:
        module = Module(id=module_id)
        session.add(module)
    lessons = (
        lessons if lessons is not None else [("01-intro", "Introduction"), ("02-more", "More")]
    )
    fields: dict[str, Any] = {
        "title": f"{module_id} ({language})",
        "summary": "A summary.",
        "duration_minutes": 60,
        "pass_mark": 80,
        "objectives": [],
        "prerequisites": [],
        "overview_source": "Overview.",
        "overview_html": "<p>Overview.</p>",
        "source_version": None if language == "en" else version,
    }
    fields.update(overrides)
    mv = ModuleVersion(
        module_id=module_id,
        language=language,
        version=version,
        content_hash=hashlib.sha256(f"{module_id}{language}{version}".encode()).hexdigest(),
        **fields,
    )
    for position, (key, title) in enumerate(lessons, start=1):
        mv.lessons.append(
            Lesson(
                position=position,
                key=key,
                title=title,
                source=f"# {title}\\n",
                html=f"<h1>{title}</h1><p>Text of {key}.</p>",
            )
        )
    session.add(mv)
    session.flush()
    return mv
