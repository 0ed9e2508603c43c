"""A coordinator revokes a trainee's certificate; anyone checking it then sees it revoked."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import LANGS, START_FROM, expect_heading, sign_in, switch_language
from tests.e2e.pages import SAMPLE
from tests.e2e.server import LiveServer, certificate_of, complete_module, coordinator_of

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", LANGS)
def test_coordinator_revokes_a_certificate_and_verification_says_revoked(
    lang: str, page: Page, live_server: LiveServer
) -> None:
    server = live_server
    t = server.translate
    trainee = server.create_account(language=lang)
    complete_module(server, trainee, SAMPLE, fail_first=False)
    certificate_id, code = certificate_of(server, trainee)
    organisation = f"Revoking centre {uuid.uuid4().hex[:6]}"
    coordinator = coordinator_of(server, START_FROM[lang], organisation, [trainee])
    sign_in(page, server, coordinator)
    page.goto(f"{server.url}/verify/{code}")
    switch_language(page, lang)
    expect(page.locator("#result-heading")).to_have_text(t(lang, "This certificate is valid."))

    page.get_by_role("link", name=t(lang, "Manage this certificate")).click()
    expect(page).to_have_url(f"{server.url}/certificates/{certificate_id}")
    reason = f"Issued in error ({lang})"
    page.locator("main form textarea").fill(reason)
    page.get_by_role("button", name=t(lang, "Revoke"), exact=True).click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("main")).to_contain_text(reason)

    # The public page, for someone with no account.
    page.context.clear_cookies()
    page.goto(f"{server.url}/verify/{code}")
    switch_language(page, lang)
    expect_heading(page, t(lang, "Verify a certificate"))
    expect(page.locator("#result-heading")).to_have_text(t(lang, "This certificate was revoked."))
