"""Keyboard only: every tab stop shows where the focus is, and the main journey needs no mouse."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import LANGS, expect_heading, expect_language, sign_in
from tests.e2e.pages import JOURNEY
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.e2e

MAX_TABS = 60  # far more tab stops than any page has before its main action

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60),
    href: el.getAttribute("href"),
    outline: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
  };
}"""


def focused(page: Page) -> dict[str, Any]:
    info: dict[str, Any] = page.evaluate(FOCUSED)
    return info


def tab_to(page: Page, selector: str) -> list[dict[str, Any]]:
    """Press Tab until the element matching ``selector`` has the focus; each stop must show
    a visible outline. Returns the tab stops passed on the way."""
    target = page.locator(selector)
    expect(target).to_have_count(1)
    stops = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        stop = focused(page)
        stops.append(stop)
        assert stop["outline"] != "none" and stop["outlineWidth"] > 0, (
            f"the focus on <{stop['tag']}> {stop['text']!r} is not visible: {stop}"
        )
        if target.evaluate("el => el === document.activeElement"):
            return stops
    raise AssertionError(
        f"{selector} not reached in {MAX_TABS} tabs; stops: {[s['text'] for s in stops]}"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_trainee_enrols_and_moves_between_lessons_with_tab_and_enter_only(
    lang: str, page: Page, live_server: LiveServer
) -> None:
    server, t = live_server, live_server.translate
    sign_in(page, server, server.create_account(language=lang))
    page.goto(f"{server.url}/modules/{JOURNEY}")
    titles = server.lesson_titles(JOURNEY, lang)

    tab_to(page, ".enrol-form button[type=submit]")
    expect(page.locator(":focus")).to_have_text(t(lang, "Enrol"))
    page.keyboard.press("Enter")
    expect_heading(page, titles[0])

    tab_to(page, ".lesson-nav a[rel=next]")
    page.keyboard.press("Enter")
    expect_heading(page, titles[1])
    expect_language(page, lang)

    tab_to(page, ".lesson-nav a[rel=prev]")
    expect(page.locator(":focus")).to_contain_text(t(lang, "Previous: %(title)s", title=titles[0]))
    page.keyboard.press("Enter")
    expect_heading(page, titles[0])


def test_first_tab_shows_the_skip_link_and_enter_moves_to_the_content(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.url}/modules")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is in the content, not the header again
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_language_is_switched_with_the_keyboard(
    lang: str, page: Page, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.url}/modules")
    tab_to(page, "#language-select")
    # A closed <select> takes arrow keys; "End"/"Home" would skip languages, arrows don't.
    for _ in range(("en", "ko", "zh").index(lang)):
        page.keyboard.press("ArrowDown")
    tab_to(page, ".language-switcher [type=submit]")
    page.keyboard.press("Enter")
    expect_language(page, lang)
    expect_heading(page, live_server.translate(lang, "Modules"))
