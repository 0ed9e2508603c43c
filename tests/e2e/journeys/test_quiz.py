"""A trainee fails a quiz, reads the feedback, retries, passes and gets a certificate."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import LANGS, START_FROM, expect_heading, sign_in, switch_language
from tests.e2e.conftest import NewContext
from tests.e2e.pages import SAMPLE
from tests.e2e.server import Account, LiveServer, quiz_key

pytestmark = pytest.mark.e2e

ATTEMPT_URL = re.compile(r"/quiz/attempts/(\d+)$")


def attempt_id(page: Page) -> int:
    match = ATTEMPT_URL.search(page.url)
    assert match, f"not an attempt page: {page.url}"
    return int(match.group(1))


def choices(page: Page, server: LiveServer, right: bool) -> list[str]:
    """Ids of the inputs to tick for a right (or a wholly wrong) answer to every question.

    Which options are right comes from the server's quiz data, never from the page.
    """
    key = quiz_key(server, attempt_id(page))
    ids = []
    for fieldset in page.locator("fieldset.question").all():
        number = fieldset.get_attribute("id")
        inputs = fieldset.locator("input")
        question = (inputs.first.get_attribute("name") or "").removeprefix("q-")
        options = [inputs.nth(i).get_attribute("value") or "" for i in range(inputs.count())]
        wrong = [o for o in options if o not in key[question]]
        picked = sorted(key[question]) if right else wrong[:1]
        ids.extend(f"{number}-{option}" for option in picked)
    return ids


def start_quiz(page: Page, server: LiveServer, lang: str, label: str, **params: int) -> None:
    page.get_by_role("button", name=server.translate(lang, label, **params)).click()
    expect(page).to_have_url(ATTEMPT_URL)


def submit(page: Page, server: LiveServer, lang: str) -> None:
    page.get_by_role("button", name=server.translate(lang, "Submit for grading")).click()
    expect(page).to_have_url(re.compile(r"/quiz/attempts/\d+/result$"))


def read_all_lessons(page: Page, server: LiveServer, lang: str) -> None:
    """Enrol with the button, then open every lesson of the sample module."""
    page.goto(f"{server.url}/modules/{SAMPLE}")
    page.get_by_role("button", name=server.translate(lang, "Enrol"), exact=True).click()
    titles = server.lesson_titles(SAMPLE, lang)
    for key, title in zip(server.lesson_keys(SAMPLE, lang), titles, strict=True):
        page.goto(f"{server.url}/modules/{SAMPLE}/lessons/{key}")
        expect_heading(page, title)


def answer_with_keyboard(page: Page, ids: list[str]) -> None:
    """Tick ``ids`` with Tab, arrow keys and Space only, starting from the first question."""
    first = page.locator("fieldset.question input").first
    first.focus()
    for fieldset in page.locator("fieldset.question").all():
        inputs = fieldset.locator("input")
        count = inputs.count()
        radio = inputs.first.get_attribute("type") == "radio"
        if radio:
            # Tab lands on the group; arrows move the choice, Space ticks the focused one.
            target = next(i for i in range(count) if inputs.nth(i).get_attribute("id") in ids)
            for _ in range(target):
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Space")
            expect(inputs.nth(target)).to_be_checked()
            page.keyboard.press("Tab")
        else:
            for i in range(count):
                box = inputs.nth(i)
                expect(box).to_be_focused()
                if box.get_attribute("id") in ids:
                    page.keyboard.press("Space")
                    expect(box).to_be_checked()
                page.keyboard.press("Tab")


@pytest.mark.parametrize("lang", LANGS)
def test_trainee_fails_retries_passes_and_gets_a_valid_certificate(
    lang: str, page: Page, new_context: NewContext, live_server: LiveServer
) -> None:
    server = live_server
    t = server.translate
    account = server.create_account(language=START_FROM[lang])
    sign_in(page, server, account)
    page.goto(f"{server.url}/modules/{SAMPLE}")
    switch_language(page, lang)
    read_all_lessons(page, server, lang)

    page.goto(f"{server.url}/modules/{SAMPLE}")
    page.locator(".quiz-link").get_by_role("link", name=t(lang, "Quiz")).click()
    expect(page.locator("main h1")).to_contain_text(t(lang, "Quiz"))
    start_quiz(page, server, lang, "Start the quiz")
    expect_heading(page, t(lang, "Quiz, attempt %(number)s", number=1))
    for input_id in choices(page, server, right=False):
        page.locator(f"#{input_id}").check()
    submit(page, server, lang)
    expect_heading(page, t(lang, "Result of attempt %(number)s", number=1))
    expect(page.locator(".result-summary .badge.warn")).to_have_text(t(lang, "Not passed"))
    expect(page.locator(".review-question .badge.warn").first).to_have_text(t(lang, "Wrong"))
    # The feedback written in quiz.md is shown with the right answers.
    expect(page.locator(".review-question .feedback").first).to_be_visible()
    expect(page.locator(".review-options .badge.done").first).to_have_text(
        t(lang, "Correct answer")
    )

    page.get_by_role("button", name=t(lang, "Try again")).click()
    expect(page).to_have_url(ATTEMPT_URL)
    expect_heading(page, t(lang, "Quiz, attempt %(number)s", number=2))
    right = choices(page, server, right=True)
    if lang == "en":  # the keyboard alone is enough to answer and submit
        answer_with_keyboard(page, right)
        submit_button = page.get_by_role("button", name=t(lang, "Submit for grading"))
        while not submit_button.evaluate("el => el === document.activeElement"):
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/result$"))
    else:
        for input_id in right:
            page.locator(f"#{input_id}").check()
        submit(page, server, lang)
    expect(page.locator(".result-summary .badge.done").first).to_have_text(t(lang, "Passed"))

    page.goto(f"{server.url}/modules/{SAMPLE}")
    expect(page.locator(".completion-status .badge.done")).to_contain_text("100")

    page.get_by_role("link", name=t(lang, "My certificates"), exact=True).click()
    expect_heading(page, t(lang, "My certificates"))
    card = page.locator(".my-modules li.card")
    expect(card).to_have_count(1)
    expect(card.locator("h2")).to_have_text(server.module_title(SAMPLE, lang))
    check_pdf(page, account, card.locator("a.button").first.get_attribute("href") or "", server)

    card.get_by_role("link", name=t(lang, "Open the verification page")).click()
    expect_heading(page, t(lang, "Verify a certificate"))
    expect(page.locator("#result-heading")).to_have_text(t(lang, "This certificate is valid."))


def check_pdf(page: Page, account: Account, href: str, server: LiveServer) -> None:
    """The PDF link answers a PDF (with the holder's name in it, when pdftotext is there)."""
    response = page.context.request.get(server.url + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=body, capture_output=True, check=True
        ).stdout.decode()
        assert account.name in text, text


def test_quiz_works_with_javascript_switched_off(
    new_context: NewContext, live_server: LiveServer
) -> None:
    server = live_server
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, server, server.create_account())
    read_all_lessons(page, server, "en")
    page.goto(f"{server.url}/modules/{SAMPLE}/quiz")
    start_quiz(page, server, "en", "Start the quiz")
    for input_id in choices(page, server, right=True):
        page.locator(f"#{input_id}").check()
    submit(page, server, "en")
    expect(page.locator(".result-summary .badge.done").first).to_have_text(
        server.translate("en", "Passed")
    )
