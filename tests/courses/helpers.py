"""Helpers for the courses tests: translated expectations and module set-ups."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext, ngettext
from markupsafe import escape
from sqlalchemy.orm import Session

from lms import create_app
from lms.auth.models import User
from lms.content.models import ModuleVersion
from lms.courses.models import Enrolment
from tests.conftest import app_config
from tests.factories import make_module_version

FIVE_LESSONS = [
    ("01-who", "Who is a victim"),
    ("02-indicators", "Indicators"),
    ("03-interview", "Interviewing safely"),
    ("04-referral", "Referral"),
    ("05-follow-up", "Follow-up"),
]
KO_TITLES = {
    "01-who": "누가 피해자인가",
    "02-indicators": "지표",
    "03-interview": "안전한 면담",
    "04-referral": "의뢰",
    "05-follow-up": "사후 관리",
}


@cache
def _translations_app() -> Flask:
    """An app whose context gives Flask-Babel its catalogs (no database is touched)."""
    return create_app(app_config())


def text(locale: str, message: str, **variables: Any) -> str:
    """``message`` as the page shows it in ``locale`` (translated, HTML-escaped)."""
    with _translations_app().app_context(), force_locale(locale):
        return str(escape(gettext(message, **variables)))


def ntext(locale: str, singular: str, plural: str, num: int, **variables: Any) -> str:
    with _translations_app().app_context(), force_locale(locale):
        return str(escape(ngettext(singular, plural, num, **variables)))


def make_bilingual_module(
    session: Session,
    module_id: str = "victim-identification",
    lessons: list[tuple[str, str]] | None = None,
    **overrides: Any,
) -> tuple[ModuleVersion, ModuleVersion]:
    """An English module and its up-to-date Korean translation with the same lesson keys."""
    lessons = lessons if lessons is not None else FIVE_LESSONS
    en = make_module_version(
        session, module_id, "en", lessons=lessons, title="Identifying victims", **overrides
    )
    ko = make_module_version(
        session,
        module_id,
        "ko",
        lessons=[(key, KO_TITLES.get(key, f"{title} (ko)")) for key, title in lessons],
        title="피해자 식별",
        source_version=en.version,
        **overrides,
    )
    return en, ko


def enrol_user(session: Session, user: User, module_id: str) -> Enrolment:
    enrolment = Enrolment(user_id=user.id, module_id=module_id)
    session.add(enrolment)
    session.flush()
    return enrolment


def lesson_url(module_id: str, key: str) -> str:
    return f"/modules/{module_id}/lessons/{key}"


def get_html(client: FlaskClient, url: str, locale: str = "en") -> str:
    response = client.get(url, headers={"Accept-Language": locale})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)
