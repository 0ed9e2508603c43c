"""Enrolling, opening lessons, progress, continuing where one left off, and "My learning"."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.courses import services
from lms.courses.models import Enrolment, LessonProgress
from tests.conftest import sign_in
from tests.courses.helpers import (
    FIVE_LESSONS,
    enrol_user,
    get_html,
    lesson_url,
    make_bilingual_module,
    text,
)
from tests.factories import make_module_version, make_user

KEYS = [key for key, _title in FIVE_LESSONS]


def _progress_rows(session: Session, user: User) -> list[LessonProgress]:
    session.expire_all()
    return list(
        session.scalars(
            select(LessonProgress)
            .where(LessonProgress.user_id == user.id)
            .order_by(LessonProgress.lesson_key)
        )
    )


def _enrolment_count(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.user_id == user.id)
        )
        or 0
    )


@pytest.fixture
def trainee(client: FlaskClient, session: Session) -> User:
    make_module_version(
        session, "m", lessons=FIVE_LESSONS, content_note="Discusses violence.", title="Module M"
    )
    user = make_user(session)
    sign_in(client, user)
    return user


# --- Enrolment ---------------------------------------------------------------------------


def test_enrol_redirects_to_the_first_lesson(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    response = client.post("/modules/m/enrol")
    assert response.status_code == 302
    assert response.headers["Location"] == lesson_url("m", "01-who")
    assert _enrolment_count(session, trainee) == 1


def test_second_enrol_changes_nothing(client: FlaskClient, session: Session, trainee: User) -> None:
    client.post("/modules/m/enrol")
    session.expire_all()
    first = session.scalars(select(Enrolment).where(Enrolment.user_id == trainee.id)).one()
    response = client.post("/modules/m/enrol")
    assert response.headers["Location"] == lesson_url("m", "01-who")
    session.expire_all()
    again = session.scalars(select(Enrolment).where(Enrolment.user_id == trainee.id)).one()
    assert (again.id, again.enrolled_at) == (first.id, first.enrolled_at)


def test_enrol_race_leaves_one_row_and_a_usable_transaction(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_module_version(session, "m")
    user = make_user(session)
    winner = enrol_user(session, user, "m")  # the other request's row, committed first
    real = services.get_enrolment
    calls: list[int] = []

    def check_that_missed_the_other_row(
        s: Session, user_id: int, module_id: str
    ) -> Enrolment | None:
        calls.append(1)
        return None if len(calls) == 1 else real(s, user_id, module_id)

    monkeypatch.setattr(services, "get_enrolment", check_that_missed_the_other_row)
    enrolment, created = services.enrol(session, user.id, "m")
    assert (enrolment.id, created) == (winner.id, False)
    assert _enrolment_count(session, user) == 1  # the session is still usable


def test_enrol_other_integrity_errors_are_not_swallowed(session: Session) -> None:
    user = make_user(session)
    with pytest.raises(IntegrityError):
        services.enrol(session, user.id, "no-such-module")  # foreign key to modules


def test_enrol_requires_sign_in_and_comes_back_to_the_module(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "m")
    response = client.post("/modules/m/enrol")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/modules/m"]
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 0


# --- Lessons -----------------------------------------------------------------------------


def test_lesson_requires_sign_in(client: FlaskClient, session: Session) -> None:
    make_module_version(session, "m", lessons=FIVE_LESSONS)
    response = client.get(lesson_url("m", "02-indicators"))
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [lesson_url("m", "02-indicators")]
    assert session.scalar(select(func.count()).select_from(LessonProgress)) == 0


def test_lesson_requires_enrolment(client: FlaskClient, session: Session, trainee: User) -> None:
    response = client.get(lesson_url("m", "02-indicators"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/modules/m"
    page = get_html(client, "/modules/m")
    assert text("en", "Enrol in this module to open its lessons.") in page
    assert _progress_rows(session, trainee) == []


def test_lesson_page_shows_lesson_navigation_and_outline(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    client.post("/modules/m/enrol")
    page = get_html(client, lesson_url("m", "02-indicators"))
    assert "<title>Indicators · Module M · Passage</title>" in page
    assert "<h1>Indicators</h1><p>Text of 02-indicators.</p>" in page  # stored HTML as is
    assert page.count("<h1>") == 1  # the lesson's own heading, not a second one
    assert "Lesson 2 of 5" in page
    assert '<a href="/modules/m">Module M</a>' in page  # breadcrumb
    assert 'rel="prev" href="/modules/m/lessons/01-who"' in page
    assert "Previous: Who is a victim" in page
    assert 'rel="next" href="/modules/m/lessons/03-interview"' in page
    assert "Next: Interviewing safely" in page
    assert 'href="/modules/m/lessons/02-indicators" aria-current="page"' in page
    assert "1 of 5 lessons" in page
    assert "Discusses violence." not in page  # the content note comes before lesson 1 only


def test_content_note_comes_before_the_first_lesson(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    client.post("/modules/m/enrol")
    page = get_html(client, lesson_url("m", "01-who"))
    assert "Discusses violence." in page
    assert page.index("Discusses violence.") < page.index('<article class="lesson-body"')
    assert 'rel="prev"' not in page


def test_last_lesson_leads_back_to_the_module(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    client.post("/modules/m/enrol")
    page = get_html(client, lesson_url("m", "05-follow-up"))
    assert "Lesson 5 of 5" in page
    assert '<a class="button" href="/modules/m">Back to the module</a>' in page
    assert 'rel="next"' not in page


def test_lesson_without_its_own_heading_gets_one(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    version = make_module_version(session, "plain", lessons=[("01-a", "Plain lesson")])
    version.lessons[0].html = "<p>No heading here.</p>"
    session.flush()
    client.post("/modules/plain/enrol")
    page = get_html(client, lesson_url("plain", "01-a"))
    assert "<h1>Plain lesson</h1>" in page and "<p>No heading here.</p>" in page


def test_repeated_opens_record_progress_once(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    client.post("/modules/m/enrol")
    for _ in range(3):
        get_html(client, lesson_url("m", "03-interview"))
    rows = _progress_rows(session, trainee)
    assert [row.lesson_key for row in rows] == ["03-interview"]
    assert rows[0].last_opened_at >= rows[0].first_opened_at
    enrolment = session.scalars(select(Enrolment).where(Enrolment.user_id == trainee.id)).one()
    assert enrolment.last_lesson_key == "03-interview"
    assert enrolment.last_activity_at == rows[0].last_opened_at


def test_reopening_keeps_first_opened_and_moves_last_opened(session: Session) -> None:
    make_module_version(session, "m", lessons=FIVE_LESSONS)
    user = make_user(session)
    enrolment = enrol_user(session, user, "m")
    module = services.resolve_module(session, "m", "en")
    first = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    later = datetime(2025, 3, 8, 17, 30, tzinfo=UTC)
    services.open_lesson(session, enrolment, module, "02-indicators", now=first)
    services.open_lesson(session, enrolment, module, "02-indicators", now=later)
    [row] = _progress_rows(session, user)
    assert (row.first_opened_at, row.last_opened_at) == (first, later)
    session.refresh(enrolment)
    assert (enrolment.last_lesson_key, enrolment.last_activity_at) == ("02-indicators", later)


def test_opening_an_unknown_lesson_records_nothing(session: Session) -> None:
    make_module_version(session, "m", lessons=FIVE_LESSONS)
    user = make_user(session)
    enrolment = enrol_user(session, user, "m")
    module = services.resolve_module(session, "m", "en")
    with pytest.raises(services.LessonNotFound):
        services.open_lesson(session, enrolment, module, "99-missing")
    assert _progress_rows(session, user) == []


def test_lesson_missing_from_a_lagging_translation_is_shown_in_english(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "m", "en", version=2, lessons=FIVE_LESSONS)
    make_module_version(
        session,
        "m",
        "ko",
        version=1,
        source_version=1,
        title="한국어 모듈",
        lessons=[("01-who", "누가 피해자인가"), ("02-indicators", "지표")],
    )
    user = make_user(session, preferred_language="ko")
    enrol_user(session, user, "m")
    sign_in(client, user)
    page = get_html(client, lesson_url("m", "03-interview"), "ko")
    assert '<article class="lesson-body" lang="en">' in page
    assert "<h1>Interviewing safely</h1>" in page
    assert (
        text(
            "ko",
            "This lesson is not yet available in %(language)s; it is shown in %(shown)s.",
            language="한국어",
            shown="English",
        )
        in page
    )
    assert text("ko", "Lesson %(number)s of %(total)s", number=3, total=5) in page
    korean = get_html(client, lesson_url("m", "02-indicators"), "ko")
    assert '<article class="lesson-body">' in korean and "<h1>지표</h1>" in korean
    assert [row.lesson_key for row in _progress_rows(session, user)] == [
        "02-indicators",
        "03-interview",
    ]


# --- Continue ----------------------------------------------------------------------------


def _open(client: FlaskClient, *keys: str) -> None:
    for key in keys:
        get_html(client, lesson_url("m", key))


def _continue_target(client: FlaskClient) -> str:
    response = client.get("/modules/m/continue")
    assert response.status_code == 302
    return response.headers["Location"]


def test_continue_starts_at_the_first_lesson(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    client.post("/modules/m/enrol")
    assert _continue_target(client) == lesson_url("m", "01-who")


def test_continue_goes_to_the_first_unopened_lesson_after_the_last_opened(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    client.post("/modules/m/enrol")
    _open(client, "01-who", "03-interview")
    assert _continue_target(client) == lesson_url("m", "04-referral")


def test_continue_wraps_to_the_first_unopened_lesson_when_none_follows(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    client.post("/modules/m/enrol")
    _open(client, "01-who", "03-interview", "05-follow-up")
    assert _continue_target(client) == lesson_url("m", "02-indicators")


def test_continue_returns_to_the_last_opened_lesson_when_all_are_opened(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    client.post("/modules/m/enrol")
    _open(client, "05-follow-up", "04-referral", "01-who", "02-indicators", "03-interview")
    _open(client, "04-referral")
    assert _continue_target(client) == lesson_url("m", "04-referral")
    page = get_html(client, "/modules/m")
    assert "5 of 5 lessons" in page and "Continue: Referral" in page


def test_continue_without_enrolment_asks_to_enrol(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    assert client.get("/modules/m/continue").headers["Location"] == "/modules/m"


def test_switching_from_korean_to_english_keeps_progress_and_resumes_on_the_same_lesson(
    client: FlaskClient, session: Session
) -> None:
    make_bilingual_module(session, "m")
    user = make_user(session, preferred_language="ko")
    sign_in(client, user)
    client.post("/modules/m/enrol")
    korean = get_html(client, lesson_url("m", "01-who"), "ko")
    assert "<h1>누가 피해자인가</h1>" in korean
    get_html(client, lesson_url("m", "02-indicators"), "ko")

    user.preferred_language = "en"
    session.flush()
    page = get_html(client, "/modules/m", "en")
    assert "<h1>Identifying victims</h1>" in page
    assert "2 of 5 lessons" in page
    assert page.count("✓ </span>Done</span>") == 2
    assert "Continue: Interviewing safely" in page
    assert _continue_target(client) == lesson_url("m", "03-interview")
    english = get_html(client, lesson_url("m", "03-interview"), "en")
    assert "<h1>Interviewing safely</h1>" in english and "3 of 5 lessons" in english
    assert len(_progress_rows(session, user)) == 3


@pytest.mark.parametrize(
    ("opened", "last", "expected"),
    [
        (set(), None, "a"),
        ({"a"}, "a", "b"),
        ({"a", "c"}, "c", "d"),
        ({"a", "c", "d"}, "d", "b"),
        ({"a", "b", "c", "d"}, "b", "b"),
        ({"b"}, "gone", "a"),  # the last lesson was removed from the module
        ({"a", "b", "c", "d"}, "gone", "d"),
    ],
)
def test_resume_key_rules(opened: set[str], last: str | None, expected: str) -> None:
    assert services.resume_key(["a", "b", "c", "d"], opened, last) == expected


def test_resume_key_of_a_module_without_lessons_is_none() -> None:
    assert services.resume_key([], set(), None) is None


# --- My learning -------------------------------------------------------------------------


def test_my_learning_requires_sign_in(client: FlaskClient) -> None:
    response = client.get("/my-learning")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_my_learning_empty_state_links_to_the_catalog(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    page = get_html(client, "/my-learning")
    assert "You are not enrolled in any module yet." in page
    assert '<a class="button" href="/modules">Browse the modules</a>' in page


def test_my_learning_lists_enrolled_modules_with_progress_and_continue(
    client: FlaskClient, session: Session
) -> None:
    make_bilingual_module(session, "recent")
    make_module_version(session, "older", "en", title="English only", lessons=FIVE_LESSONS)
    make_module_version(session, "not-enrolled", "en", title="Elsewhere")
    user = make_user(session, preferred_language="ko")
    resolved = {m.module_id: m for m in services.resolve_modules(session, "ko")}
    older = enrol_user(session, user, "older")
    services.open_lesson(
        session, older, resolved["older"], "01-who", now=datetime(2025, 1, 5, 10, tzinfo=UTC)
    )
    recent = enrol_user(session, user, "recent")
    for key in KEYS[:3]:
        services.open_lesson(
            session, recent, resolved["recent"], key, now=datetime(2025, 3, 14, 8, tzinfo=UTC)
        )
    sign_in(client, user)

    page = get_html(client, "/my-learning", "ko")
    assert "Elsewhere" not in page
    assert page.index("피해자 식별") < page.index("English only")  # most recent first
    recent_card, older_card = page.split('<li class="card">')[1:]
    assert text("ko", "Continue: %(title)s", title="의뢰") in recent_card
    assert 'href="/modules/recent/lessons/04-referral"' in recent_card
    assert '<progress max="5" value="3"' in recent_card
    with_date = text("ko", "Last activity: %(date)s", date="DATE").split("DATE")[0]
    assert with_date in recent_card
    assert re.search(r'<h2 lang="en"><a href="/modules/older">English only</a></h2>', older_card)
    assert text("ko", "Continue: %(title)s", title="Indicators") in older_card


def test_my_learning_dates_are_formatted_for_the_locale(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "m", lessons=FIVE_LESSONS)
    user = make_user(session)
    enrolment = enrol_user(session, user, "m")
    module = services.resolve_module(session, "m", "en")
    services.open_lesson(
        session, enrolment, module, "01-who", now=datetime(2025, 3, 14, tzinfo=UTC)
    )
    sign_in(client, user)
    page = get_html(client, "/my-learning")
    assert "Last activity: Mar 14, 2025" in page
    assert "1 of 5 lessons" in page
    assert 'href="/modules/m/lessons/02-indicators">Continue: Indicators</a>' in page


def test_my_learning_offers_start_with_the_first_lesson_title(
    client: FlaskClient, session: Session, trainee: User
) -> None:
    client.post("/modules/m/enrol")
    page = get_html(client, "/my-learning")
    assert "not started yet" in page
    assert 'href="/modules/m/lessons/01-who">Start: Who is a victim</a>' in page
