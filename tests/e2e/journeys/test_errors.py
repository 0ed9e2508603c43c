"""Journeys that go wrong: a mistyped or outdated address shows a translated error page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import LANGS, expect_heading, expect_language, switch_language
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", ["/modules/no-such-module", "/no/such/page"])
@pytest.mark.parametrize("lang", LANGS)
def test_wrong_address_shows_the_translated_not_found_page_with_a_way_back(
    lang: str, path: str, page: Page, live_server: LiveServer
) -> None:
    server, t = live_server, live_server.translate
    page.goto(f"{server.url}/modules")
    switch_language(page, lang)

    response = page.goto(server.url + path)
    assert response is not None and response.status == 404
    expect_language(page, lang)
    expect_heading(page, t(lang, "Page not found"))
    expect(page.locator(".error-page")).to_contain_text(
        t(lang, "There is nothing at this address. It may have moved, or the link may be wrong.")
    )
    page.get_by_role("link", name=t(lang, "Go to the module list")).click()
    expect(page).to_have_url(f"{server.url}/modules")
    expect_heading(page, t(lang, "Modules"))
