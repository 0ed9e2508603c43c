"""Journeys of a trainee: register, choose a language, enrol, read, leave, come back, resume."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import (
    LANGS,
    START_FROM,
    expect_heading,
    expect_language,
    path_of,
    sign_in,
    sign_out,
    switch_language,
)
from tests.e2e.conftest import NewContext
from tests.e2e.pages import JOURNEY
from tests.e2e.server import PASSWORD, LiveServer

pytestmark = pytest.mark.e2e

# What a browser set to each language sends as Accept-Language.
BROWSER_LOCALE = {"en": "en-GB", "ko": "ko-KR", "zh": "zh-CN"}


def lesson_path(server: LiveServer, number: int) -> str:
    return f"/modules/{JOURNEY}/lessons/{server.lesson_keys(JOURNEY)[number - 1]}"


def expect_lesson(page: Page, server: LiveServer, lang: str, number: int) -> None:
    """The page is lesson ``number`` of the journey module, in ``lang``."""
    expect(page).to_have_url(server.url + lesson_path(server, number))
    expect_language(page, lang)
    expect_heading(page, server.lesson_titles(JOURNEY, lang)[number - 1])
    position = server.translate(lang, "Lesson %(number)s of %(total)s", number=number, total=3)
    expect(page.locator(".lesson-position")).to_have_text(position)


def expect_done(page: Page, server: LiveServer, lang: str, done: list[bool]) -> None:
    """The lesson list marks exactly the lessons in ``done`` as done, in words, in ``lang``."""
    states = page.locator(".lesson-list .lesson-state")
    words = [server.translate(lang, "Done" if d else "Not opened yet") for d in done]
    # A done lesson's badge starts with a tick that screen readers skip (aria-hidden).
    expect(states).to_have_text([re.compile(rf"^(✓ )?{re.escape(w)}$") for w in words])


@pytest.mark.parametrize("lang", LANGS)
def test_visitor_registers_studies_and_continues_at_the_next_lesson(
    lang: str, new_context: NewContext, live_server: LiveServer
) -> None:
    server, start = live_server, START_FROM[lang]
    t = server.translate
    page = new_context(locale=BROWSER_LOCALE[start]).new_page()

    # The browser's language picks the first page's language.
    page.goto(server.url + "/")
    expect_language(page, start)
    expect_heading(page, t(start, "Modules"))

    page.get_by_role("link", name=t(start, "Register"), exact=True).click()
    expect_heading(page, t(start, "Create an account"))
    form = page.locator("main form")
    email = f"visitor-{lang}-{uuid.uuid4().hex[:8]}@example.org"
    form.get_by_label(t(start, "Full name"), exact=True).fill(f"Visitor {lang}")
    form.get_by_label(t(start, "E-mail address"), exact=True).fill(email)
    form.get_by_label(t(start, "Password"), exact=True).fill(PASSWORD)
    form.get_by_label(t(start, "Repeat the password"), exact=True).fill(PASSWORD)
    expect(form.get_by_label(t(start, "Language"), exact=True)).to_have_value(start)
    form.get_by_role("button", name=t(start, "Create the account")).click()
    expect(page.locator(".flash-success")).to_have_text(
        t(start, "Welcome, %(name)s. Your account is ready.", name=f"Visitor {lang}")
    )
    expect_heading(page, t(start, "Modules"))

    switch_language(page, lang)
    expect_heading(page, t(lang, "Modules"))

    page.get_by_role("link", name=server.module_title(JOURNEY, lang)).click()
    expect_heading(page, server.module_title(JOURNEY, lang))
    page.get_by_role("button", name=t(lang, "Enrol"), exact=True).click()
    expect_lesson(page, server, lang, 1)
    title = server.module_title(JOURNEY, lang)
    expect(page.locator(".flash-success")).to_have_text(
        t(lang, "You are enrolled in “%(title)s”.", title=title)
    )
    second = server.lesson_titles(JOURNEY, lang)[1]
    page.get_by_role("link", name=t(lang, "Next: %(title)s", title=second)).click()
    expect_lesson(page, server, lang, 2)
    expect_done(page, server, lang, [True, True, False])

    sign_out(page, server, lang)
    expect_language(page, lang)  # the language stays with the browser after signing out
    expect_heading(page, t(lang, "Sign in"))
    form = page.locator("main form")
    form.get_by_label(t(lang, "E-mail address"), exact=True).fill(email)
    form.get_by_label(t(lang, "Password"), exact=True).fill(PASSWORD)
    form.get_by_role("button", name=t(lang, "Sign in")).click()
    expect_language(page, lang)  # and with the account: the switch was saved to it

    page.get_by_role("link", name=t(lang, "My learning"), exact=True).click()
    expect_heading(page, t(lang, "My learning"))
    third = server.lesson_titles(JOURNEY, lang)[2]
    page.get_by_role("link", name=t(lang, "Continue: %(title)s", title=third)).click()
    expect_lesson(page, server, lang, 3)


@pytest.mark.parametrize("lang", LANGS)
def test_progress_survives_switching_language_in_the_middle_of_a_module(
    lang: str, page: Page, live_server: LiveServer
) -> None:
    server, start = live_server, START_FROM[lang]
    t = server.translate
    sign_in(page, server, server.create_account(language=start))
    page.goto(f"{server.url}/modules/{JOURNEY}")
    page.get_by_role("button", name=t(start, "Enrol"), exact=True).click()
    expect_lesson(page, server, start, 1)

    # The switcher brings the trainee back to the same lesson, now in the other language.
    switch_language(page, lang)
    expect_lesson(page, server, lang, 1)
    expect_done(page, server, lang, [True, False, False])
    second = server.lesson_titles(JOURNEY, lang)[1]
    page.get_by_role("link", name=t(lang, "Next: %(title)s", title=second)).click()
    expect_lesson(page, server, lang, 2)

    switch_language(page, start)
    expect_lesson(page, server, start, 2)
    expect_done(page, server, start, [True, True, False])
    page.locator(".breadcrumb").get_by_role(
        "link", name=server.module_title(JOURNEY, start)
    ).click()
    expect(page.locator(".module-actions progress")).to_have_attribute("value", "2")
    third = server.lesson_titles(JOURNEY, start)[2]
    page.get_by_role("link", name=t(start, "Continue: %(title)s", title=third)).click()
    expect_lesson(page, server, start, 3)
    assert path_of(page, server) == lesson_path(server, 3)
