"""The module catalog: languages, notices, a trainee's status, and a fixed number of queries."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lms.courses import services
from tests.conftest import sign_in
from tests.courses.helpers import (
    FIVE_LESSONS,
    enrol_user,
    get_html,
    make_bilingual_module,
    ntext,
    text,
)
from tests.factories import make_module_version, make_user

TITLES = {"en": "Trafficking basics", "ko": "인신매매 기초", "zh": "人口贩运基础"}
HTML_LANG = {"en": "en", "ko": "ko", "zh": "zh-Hans"}


def _trilingual(session: Session) -> None:
    for language, title in TITLES.items():
        make_module_version(session, "trafficking-basics", language, title=title)


@pytest.mark.parametrize("locale", ["en", "ko", "zh"])
def test_catalog_shows_each_module_in_the_browser_language(
    client: FlaskClient, session: Session, locale: str
) -> None:
    _trilingual(session)
    page = get_html(client, "/modules", locale)
    assert TITLES[locale] in page
    assert all(title not in page for lang, title in TITLES.items() if lang != locale)
    assert f'<html lang="{HTML_LANG[locale]}">' in page
    assert 'class="notice' not in page and "language-badge" not in page


@pytest.mark.parametrize("locale", ["en", "ko", "zh"])
def test_catalog_follows_a_signed_in_users_preferred_language(
    client: FlaskClient, session: Session, locale: str
) -> None:
    _trilingual(session)
    sign_in(client, make_user(session, preferred_language=locale))
    # The account setting wins over what the browser asks for.
    other = "ko" if locale != "ko" else "zh"
    page = get_html(client, "/modules", other)
    assert TITLES[locale] in page
    assert f'<html lang="{HTML_LANG[locale]}">' in page


def test_card_shows_summary_and_duration_with_plural_forms(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(
        session,
        "long",
        title="Long module",
        summary="Ninety minutes of study.",
        duration_minutes=90,
    )
    make_module_version(session, "short", title="Short module", duration_minutes=1)
    page = get_html(client, "/modules")
    assert "Ninety minutes of study." in page
    assert "90 minutes" in page
    assert "1 minute<" in page
    assert page.index("Long module") < page.index("Short module")  # sorted by title


def test_catalog_lists_prerequisites_before_the_modules_that_need_them(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "interviewing", title="A: Interviewing", prerequisites=["ident"])
    make_module_version(session, "ident", title="B: Identifying", prerequisites=["basics"])
    make_module_version(session, "basics", title="C: Basics")
    make_module_version(session, "shelters", title="D: Shelters", prerequisites=["basics"])
    page = get_html(client, "/modules")
    order = sorted(
        ["A: Interviewing", "B: Identifying", "C: Basics", "D: Shelters"], key=page.index
    )
    assert order == ["C: Basics", "B: Identifying", "D: Shelters", "A: Interviewing"]


def test_module_missing_in_korean_is_listed_in_english_with_a_badge(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "english-only", title="Only in English")
    page = get_html(client, "/modules", "ko")
    assert "Only in English" in page
    assert (
        text(
            "ko", "Not yet in %(language)s: shown in %(shown)s", language="한국어", shown="English"
        )
        in page
    )
    # The English card text is marked as English on a Korean page.
    assert re.search(r'<div class="module-text" lang="en">\s*<h2><a[^>]*>Only in English', page)


def test_translation_behind_english_is_flagged_on_its_card(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "m", "en", version=1, title="Old English")
    make_module_version(session, "m", "en", version=2, title="New English")
    make_module_version(session, "m", "zh", version=1, source_version=1, title="中文标题")
    zh_page = get_html(client, "/modules", "zh")
    assert "中文标题" in zh_page
    assert text("zh", "Translation behind the English version") in zh_page
    assert '<div class="module-text">' in zh_page  # shown in the interface language: no lang
    en_page = get_html(client, "/modules", "en")
    assert "New English" in en_page and "Old English" not in en_page
    assert "Translation behind" not in en_page


def test_anonymous_visitors_see_no_enrolment_status(client: FlaskClient, session: Session) -> None:
    make_module_version(session, "m", title="A module")
    page = get_html(client, "/modules")
    assert "Not enrolled" not in page and "<progress" not in page


def test_signed_in_trainee_sees_status_of_each_module(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    for module_id in ("a-none", "b-some", "c-all", "d-enrolled"):
        make_module_version(session, module_id, title=module_id, lessons=FIVE_LESSONS)
    resolved = {m.module_id: m for m in services.resolve_modules(session, "en")}
    some = enrol_user(session, user, "b-some")
    for key, _title in FIVE_LESSONS[:2]:
        services.open_lesson(session, some, resolved["b-some"], key)
    enrol_user(session, user, "d-enrolled")
    everything = enrol_user(session, user, "c-all")
    for key, _title in FIVE_LESSONS:
        services.open_lesson(session, everything, resolved["c-all"], key)
    sign_in(client, user)

    page = get_html(client, "/modules")
    cards = {
        m: page[page.index(f'href="/modules/{m}"') :].split("</li>")[0]
        for m in ("a-none", "b-some", "c-all", "d-enrolled")
    }
    assert "Not enrolled" in cards["a-none"]
    assert "40% done" in cards["b-some"] and 'value="40"' in cards["b-some"]
    assert "All lessons opened" in cards["c-all"]
    assert "Enrolled, not started" in cards["d-enrolled"] and "<progress" not in cards["d-enrolled"]


def _enrolled_catalog_setup(session: Session, user_id: int, first: int, count: int) -> None:
    for n in range(first, first + count):
        module_id = f"module-{n:02d}"
        en, _ko = make_bilingual_module(session, module_id)
        enrolment = services.enrol(session, user_id, module_id)[0]
        resolved = services.resolve_module(session, module_id, "en")
        services.open_lesson(session, enrolment, resolved, en.lessons[0].key)
    # Also a module that is only in English, shown with a notice on Korean pages.
    make_module_version(session, f"english-only-{first}", lessons=FIVE_LESSONS)


@pytest.mark.parametrize("url", ["/modules", "/my-learning"])
def test_query_count_does_not_grow_with_the_number_of_modules(
    client: FlaskClient,
    session: Session,
    count_queries: Callable[[], AbstractContextManager[list[str]]],
    url: str,
) -> None:
    user = make_user(session, preferred_language="ko")
    sign_in(client, user)
    _enrolled_catalog_setup(session, user.id, 1, 1)
    with count_queries() as few:
        small = get_html(client, url)
    _enrolled_catalog_setup(session, user.id, 2, 8)
    with count_queries() as many:
        large = get_html(client, url)
    assert large.count("<progress") == 9 > small.count("<progress") == 1
    assert len(many) == len(few), many


def test_catalog_progress_text_is_translated_for_each_locale(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "m", "en", duration_minutes=45)
    page = get_html(client, "/modules", "zh")
    assert ntext("zh", "%(num)d minute", "%(num)d minutes", 45) in page


def test_expected_texts_are_really_translated() -> None:
    # Guards the helpers above: a Korean expectation must not silently fall back to English.
    assert text("ko", "My learning") != "My learning"
    assert text("zh", "My learning") != "My learning"
