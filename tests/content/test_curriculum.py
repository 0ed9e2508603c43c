"""The curriculum in modules/: clean checks, complete in three languages, translations current."""

from __future__ import annotations

from functools import cache

import pytest

from lms.config import LANGUAGES, ROOT
from lms.content.parser import ParsedModule
from lms.content.validation import TreeScan, check_tree, scan_tree

CURRICULUM = ROOT / "modules"
MODULE_IDS = sorted(p.name for p in (CURRICULUM / "en").iterdir() if p.is_dir())


@cache
def _scan() -> TreeScan:
    return scan_tree(CURRICULUM)


def test_shipped_curriculum_has_no_problems() -> None:
    assert [str(p) for p in check_tree(CURRICULUM)] == []


def test_curriculum_has_its_eight_modules() -> None:
    assert MODULE_IDS == sorted(
        [
            "trafficking-basics",
            "victim-identification",
            "safe-interviewing",
            "direct-assistance-shelter",
            "health-psychosocial",
            "referral-cooperation",
            "return-reintegration",
            "north-korean-arrivals",
        ]
    )


def _versions(module_id: str) -> dict[str, ParsedModule]:
    return _scan().modules[module_id]


@pytest.mark.parametrize("module_id", MODULE_IDS)
def test_module_exists_in_every_language_and_translations_are_current(module_id: str) -> None:
    versions = _versions(module_id)
    assert set(versions) == set(LANGUAGES)
    english = versions["en"].version
    for language in ("ko", "zh"):
        assert versions[language].meta["source_version"] == english, language


@pytest.mark.parametrize("module_id", MODULE_IDS)
def test_every_language_has_the_same_lessons_ending_with_sources(module_id: str) -> None:
    keys = {lang: [lesson.key for lesson in m.lessons] for lang, m in _versions(module_id).items()}
    assert keys["ko"] == keys["en"] and keys["zh"] == keys["en"]
    assert 5 <= len(keys["en"]) <= 8  # 4 to 7 lessons plus "Sources and further reading"
    assert keys["en"][-1].endswith("sources")


@pytest.mark.parametrize("module_id", MODULE_IDS)
def test_quizzes_match_question_for_question_across_languages(module_id: str) -> None:
    quizzes = {lang: m.quiz for lang, m in _versions(module_id).items()}
    assert all(quiz is not None for quiz in quizzes.values())
    patterns = {lang: [q.pattern for q in quiz.questions] for lang, quiz in quizzes.items() if quiz}
    assert len(patterns["en"]) >= 12
    assert patterns["ko"] == patterns["en"] and patterns["zh"] == patterns["en"]
    english = quizzes["en"]
    assert english is not None and english.settings.get("draw") == 10
    for lang, quiz in quizzes.items():
        assert quiz is not None
        missing = [q.line for q in quiz.questions if not q.feedback.strip()]
        assert missing == [], f"{lang}: questions without feedback at lines {missing}"


@pytest.mark.parametrize("module_id", MODULE_IDS)
def test_module_has_objectives_duration_and_content_note(module_id: str) -> None:
    for language, module in _versions(module_id).items():
        meta = module.meta
        assert 3 <= len(meta.get("objectives", [])) <= 5, language
        assert meta["duration_minutes"] >= 30, language
        assert meta.get("content_note"), language
