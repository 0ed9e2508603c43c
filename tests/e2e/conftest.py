"""Browser tests: one live Passage server and one headless chromium per run, a context per test.

Chromium is Debian's (``apt-get install chromium``), found through ``LMS_TEST_CHROMIUM`` or the
PATH; Playwright drives it and never downloads a browser. Without chromium these tests are
skipped with a message, unless ``LMS_TEST_REQUIRE_SERVICES`` is set: then they fail.
A failed test leaves a screenshot and the HTML of each of its pages in ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.e2e.browser import (
    CHROMIUM_VAR,
    TIMEOUT_MS,
    chromium_executable,
    expect_heading,
    expect_language,
    launch_chromium,
)
from tests.e2e.pages import KeyPage
from tests.e2e.server import LiveServer
from tests.e2e.sessions import BrowserSessions

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
FIXTURE_TREES = (ROOT / "tests" / "fixtures" / "modules", Path(__file__).parent / "modules")

CONTEXTS = pytest.StashKey[list[BrowserContext]]()
NewContext = Callable[..., BrowserContext]
OpenKeyPage = Callable[..., Page]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """On failure, save a screenshot and the HTML of every open page under test-artifacts/."""
    report = yield
    if report.failed and report.when in ("setup", "call"):
        saved = _save_artifacts(item)
        if saved:
            report.sections.append(("browser artifacts", "\n".join(saved)))
    return report


def _save_artifacts(item: pytest.Item) -> list[str]:
    pages = [p for ctx in item.stash.get(CONTEXTS, []) for p in ctx.pages if not p.is_closed()]
    if not pages:
        return []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", item.nodeid.removeprefix("tests/e2e/"))
    saved = []
    for n, page in enumerate(pages, start=1):
        base = ARTIFACTS / f"{stem}-{n}"
        try:
            page.screenshot(path=f"{base}.png", full_page=True)
            html = f"<!-- {page.url} -->\n{page.content()}"
            Path(f"{base}.html").write_text(html, encoding="utf-8")
        except Exception as error:  # noqa: BLE001 - a dead page must not hide the real failure
            saved.append(f"{base}: not saved ({error})")
            continue
        saved.append(f"{base}.png and .html ({page.url})")
    return saved


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Headless chromium, shared by every test of the run."""
    executable = chromium_executable()
    if executable is None:
        configured = os.environ.get(CHROMIUM_VAR)
        message = (
            "browser tests need chromium: `apt-get install chromium`, or set "
            f"{CHROMIUM_VAR} to a chromium executable"
            + (f" ({configured!r} is not one)" if configured else "")
        )
        if os.environ.get("LMS_TEST_REQUIRE_SERVICES"):
            pytest.fail(f"{message}; LMS_TEST_REQUIRE_SERVICES requires them to run")
        pytest.skip(message)
    # Artifacts of an earlier run would pass for this run's failures.
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    expect.set_options(timeout=TIMEOUT_MS)
    browser = launch_chromium(playwright_driver, executable)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[LiveServer]:
    """Passage with the small test modules (tests/fixtures/modules and tests/e2e/modules)."""
    server = LiveServer(tmp_path_factory.mktemp("e2e") / "passage.db", FIXTURE_TREES)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def curriculum_server(
    tmp_path_factory: pytest.TempPathFactory, browser: Browser
) -> Iterator[LiveServer]:
    """Passage with the real curriculum from modules/ (started only by tests that ask)."""
    server = LiveServer(tmp_path_factory.mktemp("curriculum") / "passage.db", [ROOT / "modules"])
    yield server
    server.stop()


@pytest.fixture
def new_context(request: pytest.FixtureRequest, browser: Browser) -> Iterator[NewContext]:
    """Make a fresh browser context (own cookies and cache); all are closed after the test."""
    contexts = request.node.stash.setdefault(CONTEXTS, [])

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: NewContext) -> Page:
    """A desktop-sized page in a new context."""
    return new_context().new_page()


@pytest.fixture(scope="session")
def browser_sessions(browser: Browser, live_server: LiveServer) -> BrowserSessions:
    return BrowserSessions(browser, live_server)


@pytest.fixture
def open_key_page(
    browser_sessions: BrowserSessions, new_context: NewContext, live_server: LiveServer
) -> OpenKeyPage:
    """Open a key page in a new context as its visitor in ``lang``; check status and language.

    ``init_script``: a JavaScript file to run in the page before its own scripts.
    """

    def open_page(
        key_page: KeyPage, lang: str, init_script: Path | None = None, **options: Any
    ) -> Page:
        state = browser_sessions.state(key_page.visitor, lang)
        page = new_context(storage_state=state, **options).new_page()
        if init_script is not None:  # on the page, not the context: not run in about:blank
            page.add_init_script(path=init_script)
        path = browser_sessions.path(key_page.path, lang)
        response = page.goto(live_server.url + path)
        assert response is not None
        assert response.status == key_page.status, f"{path}: HTTP {response.status}"
        expect_language(page, lang)
        if key_page.heading:
            expect_heading(page, live_server.translate(lang, key_page.heading))
        return page

    return open_page
