"""The module page: contents, language notices, the enrol button, and 404s for unknown ids."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

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


def _full_module(session: Session) -> None:
    make_module_version(session, "trafficking-basics", title="Trafficking basics")
    make_module_version(
        session,
        "victim-identification",
        title="Identifying victims",
        summary="How to recognise signs of trafficking.",
        duration_minutes=90,
        objectives=["Recognise ILO indicators", "Refer safely"],
        content_note="Discusses sexual exploitation and violence.",
        prerequisites=["trafficking-basics", "not-imported-yet"],
        overview_html="<p>This module <strong>prepares</strong> you.</p>",
        lessons=FIVE_LESSONS,
    )


def test_module_page_shows_everything_a_trainee_needs_before_enrolling(
    client: FlaskClient, session: Session
) -> None:
    _full_module(session)
    page = get_html(client, "/modules/victim-identification")
    assert "<h1>Identifying victims</h1>" in page
    assert "How to recognise signs of trafficking." in page
    assert "90 minutes" in page and "5 lessons" in page
    assert "<li>Recognise ILO indicators</li>" in page and "<li>Refer safely</li>" in page
    note = page[page.index('class="notice warn content-note"') :].split("</aside>")[0]
    assert "Content note" in note and "Discusses sexual exploitation and violence." in note
    assert '<a href="/modules/trafficking-basics">Trafficking basics</a>' in page
    assert "not-imported-yet" in page and 'href="/modules/not-imported-yet"' not in page
    assert "<p>This module <strong>prepares</strong> you.</p>" in page  # stored HTML, unescaped
    lessons = page[page.index('class="lesson-list"') :].split("</ol>")[0]
    assert [title for _key, title in FIVE_LESSONS] == re.findall(
        r'<span class="lesson-title">([^<]+)</span>', lessons
    )


def test_anonymous_visitor_gets_a_sign_in_link_that_comes_back(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "m")
    page = get_html(client, "/modules/m")
    link = re.search(r'<a class="button" href="([^"]+)">Sign in to enrol</a>', page)
    assert link is not None
    url = urlsplit(link.group(1).replace("&amp;", "&"))
    assert url.path == "/login"
    assert parse_qs(url.query)["next"] == ["/modules/m"]
    assert 'action="/modules/m/enrol"' not in page


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_enrol_button_is_a_post_form_with_a_csrf_token(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "m")
    sign_in(client, make_user(session))
    page = get_html(client, "/modules/m")
    form = page[page.index('action="/modules/m/enrol"') :].split("</form>")[0]
    assert re.search(r'name="csrf_token" value="[^"]{20,}"', form)
    assert ">Enrol</button>" in form
    # Without the token the enrolment is refused.
    assert client.post("/modules/m/enrol").status_code == 400


def test_enrolled_trainee_sees_progress_done_marks_and_continue(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "m", lessons=FIVE_LESSONS)
    user = make_user(session)
    enrolment = enrol_user(session, user, "m")
    module = services.resolve_module(session, "m", "en")
    for key in ("01-who", "02-indicators"):
        services.open_lesson(session, enrolment, module, key)
    sign_in(client, user)
    page = get_html(client, "/modules/m")
    assert re.search(
        r'<p class="progress-text" id="module-progress">2 of 5 lessons</p>\s*'
        r'<progress max="5" value="2" aria-labelledby="module-progress">',
        page,
    )
    assert page.count("✓ </span>Done</span>") == 2
    assert page.count("Not opened yet") == 3
    assert 'href="/modules/m/lessons/03-interview">Continue: Interviewing safely</a>' in page
    assert "/enrol" not in page


def test_enrolled_trainee_who_has_not_started_sees_start(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "m", lessons=FIVE_LESSONS)
    user = make_user(session)
    enrol_user(session, user, "m")
    sign_in(client, user)
    page = get_html(client, "/modules/m")
    assert 'href="/modules/m/lessons/01-who">Start</a>' in page
    assert "0 of 5 lessons" in page


def test_missing_translation_is_shown_in_english_with_a_notice(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "m", "en", title="English title", objectives=["Learn"])
    page = get_html(client, "/modules/m", "ko")
    assert '<html lang="ko">' in page
    assert (
        text(
            "ko",
            "This module is not yet available in %(language)s; it is shown in %(shown)s.",
            language="한국어",
            shown="English",
        )
        in page
    )
    assert re.search(r'<header class="module-content" lang="en">\s*<h1>English title</h1>', page)
    assert '<ul class="objectives" lang="en">' in page


def test_translation_behind_english_carries_a_note(client: FlaskClient, session: Session) -> None:
    make_module_version(session, "m", "en", version=1)
    make_module_version(session, "m", "en", version=3)
    make_module_version(session, "m", "ko", version=2, source_version=1, title="한국어 제목")
    page = get_html(client, "/modules/m", "ko")
    assert "<h1>한국어 제목</h1>" in page
    assert '<header class="module-content">' in page  # Korean on a Korean page: no lang
    assert (
        text(
            "ko",
            "This translation is behind the English version: it was made from version "
            "%(source)s, and the English module is now at version %(current)s. Some details may "
            "differ.",
            source=1,
            current=3,
        )
        in page
    )


def test_up_to_date_translation_has_no_notice(client: FlaskClient, session: Session) -> None:
    make_bilingual_module(session, "m")
    page = get_html(client, "/modules/m", "ko")
    assert "<h1>피해자 식별</h1>" in page
    assert "language-notice" not in page


def test_lessons_a_lagging_translation_lacks_are_listed_in_english(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "m", "en", version=2, lessons=FIVE_LESSONS)
    make_module_version(
        session,
        "m",
        "ko",
        version=1,
        source_version=1,
        lessons=[("01-who", "누가 피해자인가"), ("02-indicators", "지표"), ("04-referral", "의뢰")],
    )
    page = get_html(client, "/modules/m", "ko")
    titles = re.findall(r'<span class="lesson-title"( lang="en")?>([^<]+)</span>', page)
    assert titles == [
        ("", "누가 피해자인가"),
        ("", "지표"),
        (' lang="en"', "Interviewing safely"),
        ("", "의뢰"),
        (' lang="en"', "Follow-up"),
    ]
    assert ntext("ko", "%(num)d lesson", "%(num)d lessons", 5) in page


@pytest.mark.parametrize("locale", ["en", "ko", "zh"])
def test_unknown_module_is_a_translated_404_page(
    client: FlaskClient, session: Session, locale: str
) -> None:
    make_module_version(session, "m")
    user = make_user(session, preferred_language=locale)
    enrol_user(session, user, "m")
    sign_in(client, user)
    headers = {"Accept-Language": locale}
    for response in (
        client.get("/modules/no-such-module", headers=headers),
        client.get("/modules/no-such-module/lessons/01-intro", headers=headers),
        client.get("/modules/no-such-module/continue", headers=headers),
        client.post("/modules/no-such-module/enrol", headers=headers),
        client.get("/modules/m/lessons/no-such-lesson", headers=headers),
    ):
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert 'class="error-page"' in page
        assert f"<h1>{text(locale, 'Page not found')}</h1>" in page
        assert '<html lang="{}">'.format({"zh": "zh-Hans"}.get(locale, locale)) in page


def test_pages_use_no_inline_styles_or_scripts(client: FlaskClient, session: Session) -> None:
    _full_module(session)
    user = make_user(session)
    sign_in(client, user)
    client.post("/modules/victim-identification/enrol")
    for url in (
        "/modules",
        "/modules/victim-identification",
        "/modules/victim-identification/lessons/01-who",
        "/my-learning",
    ):
        page = get_html(client, url)
        assert " style=" not in page
        assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
