"""A trainer goes from the content status page to the item analysis of a quiz with attempts."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from lms.auth.models import Role
from tests.e2e.browser import LANGS, START_FROM, expect_heading, sign_in, switch_language
from tests.e2e.pages import SAMPLE
from tests.e2e.server import LiveServer, complete_module

pytestmark = pytest.mark.e2e


def submitted_attempts(page: Page, server: LiveServer, lang: str) -> int:
    """The "Submitted attempts" figure of the analysis page (all languages, this version)."""
    term = page.locator(
        ".analysis-totals dt", has_text=server.translate(lang, "Submitted attempts")
    )
    expect(term).to_have_count(1)
    return int(term.locator("xpath=following-sibling::dd").inner_text().replace(",", ""))


@pytest.mark.parametrize("lang", LANGS)
def test_trainer_opens_content_status_and_the_item_analysis_of_a_quiz(
    lang: str, page: Page, live_server: LiveServer
) -> None:
    server = live_server
    t = server.translate
    analysis = f"/trainer/modules/{SAMPLE}/quiz/analysis"
    sign_in(page, server, server.create_account(Role.trainer, START_FROM[lang]))
    page.goto(server.url + analysis)
    before = submitted_attempts(page, server, START_FROM[lang])

    # Two trainees: one fails then passes, one passes at once: three submitted attempts.
    for fail_first in (True, False):
        complete_module(server, server.create_account(language=lang), SAMPLE, fail_first)

    switch_language(page, lang)
    page.locator(".nav").get_by_role("link", name=t(lang, "Content status"), exact=True).click()
    expect_heading(page, t(lang, "Content status"))
    page.locator(f"a[href$='{analysis}']").click()
    expect(page.locator("main h1")).to_contain_text(t(lang, "Quiz analysis"))
    expect(page.locator("main h1")).to_contain_text(server.module_title(SAMPLE, lang))
    assert submitted_attempts(page, server, lang) == before + 3
    expect(page.locator("svg.histogram")).to_be_visible()
