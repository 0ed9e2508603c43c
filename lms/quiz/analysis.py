"""Item analysis of a module's quiz for trainers: how attempts scored and which questions miss.

All languages of one version number are analysed together (question and option ids are
positional, so question 3 is the same question in every language), optionally filtered to one
language. Totals are aggregated in SQL; the per-question figures come from the graded results
stored on each submitted attempt. Three queries, whatever the number of attempts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, load_only

from lms.config import LANGUAGES
from lms.content.models import ModuleVersion
from lms.courses.services import SOURCE_LANGUAGE, ModuleNotFound
from lms.quiz.models import QuizAttempt
from lms.quiz.services import NoQuiz, quiz_of

BIN_COUNT = 10
GROUP_PERCENT = 27  # upper and lower groups for discrimination, as in classical test theory


@dataclass(frozen=True)
class ScoreBin:
    """Attempts whose score falls in [low, high) (the last bin includes 100)."""

    low: int
    high: int
    count: int


@dataclass(frozen=True)
class QuestionStats:
    """How one question (by positional id) did over the analysed attempts."""

    id: str
    html: str
    language: str  # the language ``html`` is in
    attempts: int  # attempts that drew this question
    correct: int  # attempts that got full credit
    discrimination: float | None  # p_upper - p_lower; None when a group never drew it
    wrong_option_id: str | None  # the wrong option chosen most often
    wrong_option_html: str
    wrong_option_count: int

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None


@dataclass(frozen=True)
class QuizAnalysis:
    """Item analysis of one version number of a module's quiz."""

    module_id: str
    title: str
    title_language: str
    version: int
    versions: list[int]  # version numbers that have a quiz, newest first
    languages: list[str]  # languages of this version number that have a quiz
    language: str | None  # the language filter; None: all languages
    attempts: int
    mean_score: float | None
    pass_rate: float | None
    bins: list[ScoreBin]
    questions: list[QuestionStats] = field(default_factory=list)

    @property
    def largest_bin(self) -> int:
        return max((b.count for b in self.bins), default=0)


def _pick(versions: dict[str, ModuleVersion], language: str) -> ModuleVersion:
    """The version in ``language`` when it exists, else English, else any (stable order)."""
    for code in (language, SOURCE_LANGUAGE, *LANGUAGES):
        if code in versions:
            return versions[code]
    return versions[min(versions)]


def _histogram(scores: Sequence[float]) -> list[ScoreBin]:
    width = 100 // BIN_COUNT
    counts = Counter(min(BIN_COUNT - 1, int(score // width)) for score in scores)
    return [ScoreBin(i * width, (i + 1) * width, counts[i]) for i in range(BIN_COUNT)]


def _group_size(n: int) -> int:
    """27% of ``n`` attempts, rounded half up; at least one when there are two attempts."""
    if n < 2:
        return 0
    return max(1, (n * GROUP_PERCENT + 50) // 100)


def _share(results: Sequence[dict[str, Any]], qid: str) -> float | None:
    drawn = [r[qid] for r in results if qid in r]
    if not drawn:
        return None
    return sum(1 for r in drawn if r["credit"] >= 1) / len(drawn)


def item_analysis(
    session: Session,
    module_id: str,
    version: int | None = None,
    language: str | None = None,
    display_language: str = SOURCE_LANGUAGE,
) -> QuizAnalysis:
    """Item analysis of ``version`` (default: the newest with a quiz) of a module's quiz.

    ``language`` filters the attempts to one language; question texts are shown in
    ``display_language`` when that version exists. Raises ModuleNotFound, NoQuiz.
    """
    rows = list(
        session.scalars(
            select(ModuleVersion)
            .where(ModuleVersion.module_id == module_id)
            .options(
                load_only(
                    ModuleVersion.id,
                    ModuleVersion.module_id,
                    ModuleVersion.language,
                    ModuleVersion.version,
                    ModuleVersion.title,
                    ModuleVersion.quiz_data,
                )
            )
        )
    )
    if not rows:
        raise ModuleNotFound(module_id)
    with_quiz = [row for row in rows if quiz_of(row) is not None]
    versions = sorted({row.version for row in with_quiz}, reverse=True)
    if not versions or (version is not None and version not in versions):
        raise NoQuiz(module_id)
    number = version if version is not None else versions[0]
    group = {row.language: row for row in with_quiz if row.version == number}
    languages = [code for code in (*LANGUAGES, *sorted(group)) if code in group]
    languages = list(dict.fromkeys(languages))
    language = language if language in group else None
    analysed = [group[language]] if language else list(group.values())
    ids = [row.id for row in analysed]
    submitted = QuizAttempt.submitted_at.is_not(None)

    count, mean, passes = session.execute(
        select(
            func.count(QuizAttempt.id),
            func.avg(QuizAttempt.score),
            func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)),
        ).where(QuizAttempt.module_version_id.in_(ids), submitted)
    ).one()
    attempts = list(
        session.execute(
            select(
                QuizAttempt.id,
                QuizAttempt.score,
                QuizAttempt.results,
                QuizAttempt.module_version_id,
            )
            .where(QuizAttempt.module_version_id.in_(ids), submitted)
            .order_by(QuizAttempt.score, QuizAttempt.id)
        )
    )

    # Which options are correct, per module version (they agree across languages; each attempt
    # is still judged by the quiz it was taken in).
    correct_by_version = {
        row.id: {
            q["id"]: {o["id"] for o in q["options"] if o["correct"]}
            for q in (quiz_of(row) or {"questions": []})["questions"]
        }
        for row in analysed
    }
    shown = _pick(group, display_language)
    shown_quiz = quiz_of(shown) or {"questions": []}
    results = [a.results or {} for a in attempts]
    k = _group_size(len(attempts))
    lower = results[:k]
    upper = results[len(results) - k :] if k else []

    questions = []
    for question in shown_quiz["questions"]:
        qid = question["id"]
        drawn = 0
        correct = 0
        wrong: Counter[str] = Counter()
        for attempt in attempts:
            result = (attempt.results or {}).get(qid)
            if result is None:
                continue
            drawn += 1
            correct += result["credit"] >= 1
            key = correct_by_version[attempt.module_version_id].get(qid, set())
            wrong.update(oid for oid in result["chosen"] if oid not in key)
        p_upper, p_lower = _share(upper, qid), _share(lower, qid)
        discrimination = None
        if p_upper is not None and p_lower is not None:
            discrimination = p_upper - p_lower
        # Most chosen first; among equals, the first in file order.
        top = min(wrong.items(), key=lambda item: (-item[1], item[0]), default=None)
        option_html = {o["id"]: o["html"] for o in question["options"]}
        questions.append(
            QuestionStats(
                id=qid,
                html=question["html"],
                language=shown.language,
                attempts=drawn,
                correct=correct,
                discrimination=discrimination,
                wrong_option_id=top[0] if top else None,
                wrong_option_html=option_html.get(top[0], "") if top else "",
                wrong_option_count=top[1] if top else 0,
            )
        )

    return QuizAnalysis(
        module_id=module_id,
        title=shown.title,
        title_language=shown.language,
        version=number,
        versions=versions,
        languages=languages,
        language=language,
        attempts=int(count),
        mean_score=float(mean) if mean is not None else None,
        pass_rate=int(passes or 0) / count if count else None,
        bins=_histogram([a.score for a in attempts if a.score is not None]),
        questions=questions,
    )
