"""Item analysis for trainers, on generated attempts whose figures are worked out by hand."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lms.auth.models import Role
from lms.content.models import ModuleVersion
from lms.quiz import services
from lms.quiz.analysis import item_analysis
from tests.conftest import sign_in
from tests.factories import make_module_version, make_question, make_quiz_data, make_user
from tests.quiz.helpers import MODULE, enrolled_trainee, quiz_module

URL = f"/trainer/modules/{MODULE}/quiz/analysis"


def _quiz(texts: dict[str, str]) -> dict:
    return make_quiz_data(
        [
            make_question(
                texts["q1"],
                [(texts["debt"], False), (texts["documents"], True), (texts["normal"], False)],
            ),
            make_question(texts["q2"], [("Act", True), ("Means", True), ("Border", False)]),
            make_question(texts["q3"], [("True", True), ("False", False)]),
        ],
        pass_mark=60,
    )


EN = {
    "q1": "Her employer keeps her passport. What is this?",
    "debt": "Debt bondage",
    "documents": "Retention of identity documents",
    "normal": "Normal practice",
    "q2": "Which are elements of the definition?",
    "q3": "A child cannot consent to exploitation.",
}
KO = {
    "q1": "고용주가 여권을 보관합니다. 이것은 무엇입니까?",
    "debt": "채무 노예",
    "documents": "신분증 압수",
    "normal": "일반적인 관행",
    "q2": "정의의 요소는 무엇입니까?",
    "q3": "아동은 착취에 동의할 수 없다.",
}

# Answers of ten English attempts, made in this order (so ids increase down the list).
# Right answers: Q1 b, Q2 a+b (all or nothing), Q3 a. Score = questions right / 3.
ENGLISH_ATTEMPTS = [
    {"1": ["b"], "2": ["a", "b"], "3": ["a"]},  # T1  100
    {"1": ["b"], "2": ["a", "b"], "3": ["a"]},  # T2  100
    {"1": ["b"], "2": ["a", "b"], "3": ["b"]},  # T3  66.7
    {"1": ["b"], "2": ["a"], "3": ["a"]},  # T4  66.7
    {"1": ["a"], "2": ["a", "b"], "3": ["a"]},  # T5  66.7
    {"1": ["b"], "2": ["a", "c"], "3": ["b"]},  # T6  33.3
    {"1": ["c"], "2": ["a", "b"], "3": ["b"]},  # T7  33.3
    {"1": ["a"], "2": ["a", "b", "c"], "3": ["a"]},  # T8  33.3
    {"1": ["a"], "2": ["c"], "3": ["b"]},  # T9  0
    {"3": ["a"]},  # T10 33.3 (questions 1 and 2 unanswered)
]
KOREAN_ATTEMPTS = [
    {"1": ["b"], "2": ["a", "b"], "3": ["a"]},  # K1 100
    {"1": ["c"], "2": ["a", "b"], "3": ["b"]},  # K2 33.3
]


def _take(session: Session, version: ModuleVersion, answers: dict[str, list[str]]) -> None:
    user = enrolled_trainee(session)
    attempt = services.start_attempt(session, user.id, version, rng=random.Random(0))
    services.submit_attempt(session, attempt, answers)


def _setup(session: Session, english: bool = True, korean: bool = True) -> None:
    en = quiz_module(session, _quiz(EN), language="en", title="Identifying victims")
    ko = quiz_module(session, _quiz(KO), language="ko", title="피해자 식별")
    for answers in ENGLISH_ATTEMPTS if english else []:
        _take(session, en, answers)
    for answers in KOREAN_ATTEMPTS if korean else []:
        _take(session, ko, answers)


def test_english_attempts_give_the_figures_worked_out_by_hand(session: Session) -> None:
    _setup(session, korean=False)
    report = item_analysis(session, MODULE, language="en")
    assert (report.version, report.versions, report.languages) == (1, [1], ["en", "ko"])
    assert report.attempts == 10
    # (100 * 2 + 66.67 * 3 + 33.33 * 4 + 0) / 10
    assert report.mean_score == pytest.approx(160 / 3)
    assert report.pass_rate == 0.5  # T1-T5 reach the pass mark of 60
    assert [b.count for b in report.bins] == [1, 0, 0, 4, 0, 0, 3, 0, 0, 2]
    assert [(b.low, b.high) for b in report.bins][::3] == [(0, 10), (30, 40), (60, 70), (90, 100)]

    # By score, then id: T9 | T6 T7 T8 T10 | T3 T4 T5 | T1 T2. 27% of 10 rounds to 3:
    # lower group T9, T6, T7; upper group T5, T1, T2.
    q1, q2, q3 = report.questions
    # Q1 right for T1 T2 T3 T4 T6; upper 2/3 (T1, T2), lower 1/3 (T6).
    assert (q1.id, q1.attempts, q1.correct, q1.share_correct) == ("1", 10, 5, 0.5)
    assert q1.discrimination == pytest.approx(2 / 3 - 1 / 3)
    assert (q1.wrong_option_id, q1.wrong_option_count) == ("a", 3)  # T5 T8 T9 (c: T7 only)
    assert q1.wrong_option_html == "Debt bondage"
    # Q2 right for T1 T2 T3 T5 T7; upper 3/3, lower 1/3 (T7). Wrong "c": T6 T8 T9.
    assert (q2.correct, q2.attempts) == (5, 10)
    assert q2.discrimination == pytest.approx(1 - 1 / 3)
    assert (q2.wrong_option_id, q2.wrong_option_count) == ("c", 3)
    # Q3 right for T1 T2 T4 T5 T8 T10; upper 3/3, lower 0/3. Wrong "False": T3 T6 T7 T9.
    assert (q3.correct, q3.share_correct) == (6, 0.6)
    assert q3.discrimination == pytest.approx(1.0)
    assert (q3.wrong_option_id, q3.wrong_option_count) == ("b", 4)


def test_all_languages_of_a_version_are_analysed_together_or_filtered(session: Session) -> None:
    _setup(session)
    everything = item_analysis(session, MODULE)
    assert everything.language is None and everything.attempts == 12
    assert everything.mean_score == pytest.approx((1600 / 3 + 100 + 100 / 3) / 12)
    assert everything.pass_rate == pytest.approx(6 / 12)
    assert [q.correct for q in everything.questions] == [6, 7, 7]

    korean = item_analysis(session, MODULE, language="ko", display_language="ko")
    assert korean.language == "ko" and korean.attempts == 2
    assert korean.mean_score == pytest.approx(200 / 3)
    q1 = korean.questions[0]
    # Two attempts: groups of one. K1 (upper) right, K2 (lower) chose "c".
    assert (q1.correct, q1.discrimination) == (1, 1.0)
    assert (q1.wrong_option_id, q1.wrong_option_html) == ("c", "일반적인 관행")
    assert q1.html == f"<p>{KO['q1']}</p>" and q1.language == "ko"
    # An unknown language filter means all languages.
    assert item_analysis(session, MODULE, language="xx").attempts == 12


def test_a_question_one_group_never_drew_has_no_discrimination(session: Session) -> None:
    questions = [make_question(f"Q{n}?", [("x", True), ("y", False)]) for n in (1, 2)]
    version = quiz_module(session, make_quiz_data(questions, draw=1))
    # Force the draw: the low scorer gets question 1 wrong, the high scorer question 2 right.
    for qid, answer in (("1", "b"), ("2", "a")):
        user = enrolled_trainee(session)
        attempt = services.start_attempt(session, user.id, version)
        attempt.layout = [{"id": qid, "options": ["a", "b"]}]
        session.flush()
        services.submit_attempt(session, attempt, {qid: [answer]})
    report = item_analysis(session, MODULE)
    assert [(q.attempts, q.discrimination) for q in report.questions] == [(1, None), (1, None)]
    assert [q.share_correct for q in report.questions] == [0.0, 1.0]


def test_trainers_see_totals_an_svg_histogram_with_a_table_and_questions_in_their_language(
    client: FlaskClient, session: Session
) -> None:
    _setup(session)
    trainer = make_user(session, role=Role.trainer, preferred_language="ko")
    sign_in(client, trainer)
    response = client.get(URL, query_string={"language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<svg class="histogram"' in page and 'role="img"' in page
    assert page.count('<rect class="bar"') == 10
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]* height="([\d.]+)"', page)]
    assert heights[3] == 130.0 and heights[0] == 32.5 and heights[1] == 0.0  # 4 is the largest
    table = page[page.index('class="histogram-table"') :].split("</table>")[0]
    assert table.count("<tr>") == 11  # a header row and one per bin
    # No chart library: the layout's own deferred app.js is the only script, nothing inline.
    assert re.findall(r"<script[^>]*>", page) == [re.search(r"<script[^>]*>", page)[0]]
    assert "app.js" in page and "style=" not in page
    assert "53.3%" in page and "50%" in page  # mean score, pass rate
    assert KO["q1"] in page and EN["q1"] not in page  # Korean interface, Korean version
    assert "0.33" in page and "1.00" in page
    assert '<option value="en" lang="en" selected>' in page


@pytest.mark.parametrize("role", [Role.trainee, Role.coordinator])
def test_item_analysis_is_for_trainers_only(
    client: FlaskClient, session: Session, role: Role
) -> None:
    _setup(session, english=False, korean=False)
    assert client.get(URL).status_code == 302  # anonymous: sign in first
    sign_in(client, make_user(session, role=role))
    assert client.get(URL).status_code == 403


def test_admins_and_trainers_reach_it_from_the_content_status_page(
    client: FlaskClient, session: Session
) -> None:
    _setup(session, english=False, korean=False)
    sign_in(client, make_user(session, role=Role.admin))
    status = client.get("/content/status").get_data(as_text=True)
    assert f'href="{URL}"' in status
    assert client.get(URL).status_code == 200


def test_unknown_module_or_version_is_404_and_a_module_without_quiz_says_so(
    client: FlaskClient, session: Session
) -> None:
    _setup(session, english=False, korean=False)
    make_module_version(session, "no-quiz")
    sign_in(client, make_user(session, role=Role.trainer))
    assert client.get("/trainer/modules/nothing/quiz/analysis").status_code == 404
    assert client.get(URL, query_string={"version": 7}).status_code == 404
    page = client.get("/trainer/modules/no-quiz/quiz/analysis").get_data(as_text=True)
    assert "The module “no-quiz” has no quiz." in page


def test_the_analysis_page_runs_a_fixed_number_of_queries(
    client: FlaskClient,
    session: Session,
    count_queries: Callable[[], AbstractContextManager[list[str]]],
) -> None:
    _setup(session, english=False)
    sign_in(client, make_user(session, role=Role.trainer))
    with count_queries() as few:
        assert client.get(URL).status_code == 200
    en = session.query(ModuleVersion).filter_by(module_id=MODULE, language="en").one()
    for answers in ENGLISH_ATTEMPTS:
        _take(session, en, answers)
    with count_queries() as many:
        page = client.get(URL).get_data(as_text=True)
    assert ">12<" in page
    assert len(many) == len(few), many
