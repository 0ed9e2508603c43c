"""Journeys of a trainer: the content status page, and who may not open it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from lms.auth.models import Role
from tests.e2e.browser import LANGS, START_FROM, expect_heading, sign_in, switch_language
from tests.e2e.pages import JOURNEY, SAMPLE, SECOND
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", LANGS)
def test_trainer_opens_the_content_status_page_from_the_menu(
    lang: str, page: Page, live_server: LiveServer
) -> None:
    server, t = live_server, live_server.translate
    sign_in(page, server, server.create_account(Role.trainer, START_FROM[lang]))
    switch_language(page, lang)

    page.get_by_role("navigation", name=t(lang, "Main")).get_by_role(
        "link", name=t(lang, "Content status"), exact=True
    ).click()
    expect_heading(page, t(lang, "Content status"))
    table = page.get_by_role("table", name=t(lang, "Module versions by language"))
    rows = table.locator("tbody tr")
    expect(rows.locator("th code")).to_have_text([JOURNEY, SAMPLE, SECOND])
    # second-module is English only: its Korean and Chinese cells say so, in words.
    second = rows.filter(has_text=SECOND)
    expect(second.locator("td.status-missing")).to_have_count(2)
    expect(second.locator("td.status-missing").first).to_have_text(t(lang, "Missing"))
    expect(rows.filter(has_text=SAMPLE).locator("td .badge.done")).to_have_text(
        [t(lang, "Current")] * 2
    )


@pytest.mark.parametrize("lang", LANGS)
def test_trainee_has_no_content_status_link_and_is_refused_the_page(
    lang: str, page: Page, live_server: LiveServer
) -> None:
    server, t = live_server, live_server.translate
    sign_in(page, server, server.create_account(Role.trainee, lang))
    nav = page.get_by_role("navigation", name=t(lang, "Main"))
    expect(nav.get_by_role("link", name=t(lang, "My learning"), exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name=t(lang, "Content status"), exact=True)).to_have_count(0)

    response = page.goto(f"{server.url}/content/status")
    assert response is not None and response.status == 403
    expect_heading(page, t(lang, "Access denied"))
    expect(page.locator(".error-page")).to_contain_text(
        t(lang, "You do not have permission to open this page.")
    )
