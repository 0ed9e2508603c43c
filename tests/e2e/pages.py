"""The key pages that the accessibility and phone tests open, in every language.

Extension point: a feature that adds pages (quiz, certificates, coordination) adds a
``KeyPage`` for each to ``KEY_PAGES``; ``test_a11y.py`` and ``test_phone.py`` then check it in
English, Korean and Chinese with nothing else to write. Who opens it (``visitor``) selects a
browser state made once per run by ``BrowserSessions`` in ``conftest.py``; give that class a
new kind of visitor when a page needs different data (e.g. a trainee who passed a quiz).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Visitor = Literal["visitor", "trainee", "trainer", "quiz_taker", "graduate", "coordinator"]

# What the trainee of BrowserSessions has done: enrolled in SAMPLE, opened its first lesson;
# not enrolled in SECOND (English only, so ko/zh show it with a "not yet translated" notice).
SAMPLE = "sample-module"
SAMPLE_FIRST_LESSON = "01-first-steps"
SECOND = "second-module"
# The three-lesson module of tests/e2e/modules, for journeys that read several lessons.
JOURNEY = "first-contact"


@dataclass(frozen=True)
class KeyPage:
    """A page to check in every language, as ``visitor`` sees it."""

    name: str
    path: str  # may name {open_attempt}, {failed_attempt}, {passed_attempt}, {certificate_code}
    visitor: Visitor
    heading: str | None  # msgid of its translated <h1>; None when the <h1> is module content
    actions: tuple[str, ...]  # CSS selectors of the page's main actions
    status: int = 200


# Every page also has the header's language switcher and the nav; see HEADER_ACTIONS.
KEY_PAGES = (
    KeyPage("catalog", "/modules", "trainee", "Modules", (".module-card h2 a",)),
    KeyPage("module", f"/modules/{SAMPLE}", "trainee", None, ("a.button.resume",)),
    KeyPage("module-not-enrolled", f"/modules/{SECOND}", "trainee", None, (".enrol-form button",)),
    KeyPage(
        "lesson",
        f"/modules/{SAMPLE}/lessons/{SAMPLE_FIRST_LESSON}",
        "trainee",
        None,
        (".lesson-nav a[rel=next]", ".lesson-list a"),
    ),
    KeyPage("my-learning", "/my-learning", "trainee", "My learning", ("a.button.resume",)),
    KeyPage("sign-in", "/login", "visitor", "Sign in", ("main form button[type=submit]",)),
    KeyPage(
        "register", "/register", "visitor", "Create an account", ("main form button[type=submit]",)
    ),
    KeyPage("account", "/account", "trainee", "Your account", ("main form button[type=submit]",)),
    KeyPage("content-status", "/content/status", "trainer", "Content status", ("table",)),
    KeyPage("quiz", f"/modules/{SAMPLE}/quiz", "graduate", None, (".attempt-history a",)),
    KeyPage("quiz-start", f"/modules/{SAMPLE}/quiz", "trainee", None, (".start-form button",)),
    KeyPage(
        "quiz-attempt",
        "/quiz/attempts/{open_attempt}",
        "quiz_taker",
        None,
        (".quiz-form .options input", ".quiz-buttons button"),
    ),
    KeyPage(
        "quiz-result",
        "/quiz/attempts/{failed_attempt}/result",
        "graduate",
        None,
        (".result-summary a",),
    ),
    KeyPage(
        "quiz-passed",
        "/quiz/attempts/{passed_attempt}/result",
        "graduate",
        None,
        (".completion-status",),
    ),
    KeyPage(
        "my-certificates", "/my/certificates", "graduate", "My certificates", (".my-modules a",)
    ),
    KeyPage(
        "verify",
        "/verify/{certificate_code}",
        "visitor",
        "Verify a certificate",
        ("main form button[type=submit]",),
    ),
    KeyPage("coordination", "/coordination", "coordinator", "Coordination", ("main a",)),
    # Filtered, so that the filter box is open: closed, its labels have no visible text.
    KeyPage(
        "matrix",
        f"/coordination/matrix?module={SAMPLE}",
        "coordinator",
        "Completion matrix",
        ("main table", ".report-filters button"),
    ),
    KeyPage("dashboard", "/coordination/dashboard", "coordinator", "Dashboard", ("main h2",)),
    KeyPage(
        "csv-import",
        "/coordination/import",
        "coordinator",
        "Import people from a CSV file",
        ("main form button[type=submit]",),
    ),
    KeyPage(
        "item-analysis",
        f"/trainer/modules/{SAMPLE}/quiz/analysis",
        "trainer",
        None,
        ("main h2",),
    ),
    KeyPage(
        "not-found", "/modules/no-such-module", "visitor", "Page not found", (".error-page a",), 404
    ),
)
HEADER_ACTIONS = (".brand", "#language-select", ".language-switcher button", ".nav a")


def key_page_id(page: KeyPage) -> str:
    return page.name
