"""What the browser tests do on every page: find chromium, switch language, sign in and out."""

from __future__ import annotations

import os
import re
import shutil
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Browser, Page, Playwright, expect

if TYPE_CHECKING:
    from tests.e2e.server import Account, LiveServer

LANGS = ("en", "ko", "zh")
# <html lang> per interface language (lms.templating.html_lang).
HTML_LANG = {"en": "en", "ko": "ko", "zh": "zh-Hans"}
# A different language to start from, so that every switch really changes something.
START_FROM = {"en": "zh", "ko": "en", "zh": "ko"}

CHROMIUM_VAR = "LMS_TEST_CHROMIUM"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000  # a page of this site that takes longer is a failure, not a wait
# A small Android phone, in CSS pixels: the width the layout must fit.
PHONE_WIDTH, PHONE_HEIGHT = 360, 740
PHONE: dict[str, Any] = {
    "viewport": {"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
    "is_mobile": True,
    "has_touch": True,
}


def chromium_executable() -> str | None:
    """``LMS_TEST_CHROMIUM`` if set, else ``chromium`` on the PATH (Debian's package)."""
    configured = os.environ.get(CHROMIUM_VAR)
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium")


def launch_chromium(playwright: Playwright, executable: str) -> Browser:
    """Headless chromium from ``executable``; Playwright downloads no browser of its own."""
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


def expect_language(page: Page, lang: str) -> None:
    """The page is in ``lang``: ``<html lang>`` says so and the switcher shows it."""
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
    expect(page.locator("#language-select")).to_have_value(lang)


def expect_heading(page: Page, text: str) -> None:
    """The page's one ``<h1>`` reads ``text``."""
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.locator("main h1")).to_have_text(text)


def switch_language(page: Page, lang: str) -> None:
    """Choose ``lang`` in the switcher in the page header and submit it (works without JS)."""
    page.locator("#language-select").select_option(lang)
    with page.expect_navigation():
        page.locator(".language-switcher [type=submit]").click()
    expect_language(page, lang)


def sign_in(page: Page, server: LiveServer, account: Account) -> None:
    """Sign in with the form, in whatever language the page is in."""
    page.goto(f"{server.url}/login")
    page.locator("#email").fill(account.email)
    page.locator("#password").fill(account.password)
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    expect(page.locator("form[action$='/logout']")).to_have_count(1)


def sign_out(page: Page, server: LiveServer, lang: str) -> None:
    """Press the header's "Sign out" button, found by its translated name."""
    page.get_by_role("button", name=server.translate(lang, "Sign out")).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("form[action$='/logout']")).to_have_count(0)


def path_of(page: Page, server: LiveServer) -> str:
    """The current URL without the server's address."""
    return page.url.removeprefix(server.url)
