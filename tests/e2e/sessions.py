"""Signed-in browser states made once per run and shared by the tests that only look."""

from __future__ import annotations

from playwright.sync_api import Browser, StorageState

from lms.auth.models import Role
from tests.e2e.browser import TIMEOUT_MS, expect_language, sign_in, switch_language
from tests.e2e.pages import SAMPLE, SAMPLE_FIRST_LESSON, Visitor
from tests.e2e.server import (
    Account,
    LiveServer,
    certificate_of,
    complete_module,
    coordinator_of,
    start_quiz,
)


class BrowserSessions:
    """Browser states (cookies) of a visitor, a trainee and a trainer per language, made once.

    The trainee has enrolled in the sample module and opened its first lesson, so pages show
    progress; they have not enrolled in the second module. Many tests reuse these states
    instead of signing in again; tests that change what a user has done make their own user.
    The quiz taker has an attempt at the sample module's quiz in progress; the graduate failed
    it once, then passed it and holds a certificate; the coordinator manages an organisation
    whose cohort (assigned the sample module) has that graduate in it.
    """

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self._browser = browser
        self._server = server
        self._states: dict[tuple[Visitor, str], StorageState] = {}
        self._accounts: dict[tuple[Visitor, str], Account] = {}
        # Per language, what a key page's path may name: {open_attempt}, {failed_attempt},
        # {passed_attempt}, {certificate_code}.
        self._facts: dict[str, dict[str, str]] = {}

    def path(self, path: str, lang: str) -> str:
        """``path`` with the placeholders of this language's quiz taker and graduate filled in."""
        if "{" not in path:
            return path
        self.state("quiz_taker", lang)
        self.state("graduate", lang)
        return path.format(**self._facts[lang])

    def state(self, visitor: Visitor, lang: str) -> StorageState:
        """Cookies of ``visitor`` with the interface in ``lang``, for ``new_context()``."""
        if (visitor, lang) not in self._states:
            self._states[visitor, lang] = self._make(visitor, lang)
        return self._states[visitor, lang]

    def _make(self, visitor: Visitor, lang: str) -> StorageState:
        context = self._browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        try:
            page = context.new_page()
            if visitor == "visitor":
                page.goto(f"{self._server.url}/modules")
                switch_language(page, lang)
            else:
                sign_in(page, self._server, self.account(visitor, lang))
                expect_language(page, lang)
            return context.storage_state()
        finally:
            context.close()

    def account(self, visitor: Visitor, lang: str) -> Account:
        """The account behind ``visitor`` in ``lang``, made (with its history) on first use."""
        if (visitor, lang) not in self._accounts:
            self._accounts[visitor, lang] = self._new_account(visitor, lang)
        return self._accounts[visitor, lang]

    def _new_account(self, visitor: Visitor, lang: str) -> Account:
        server, facts = self._server, self._facts.setdefault(lang, {})
        if visitor == "trainer":
            return server.create_account(Role.trainer, lang)
        if visitor == "coordinator":
            graduate = self.account("graduate", lang)
            return coordinator_of(
                server, lang, f"Key pages centre {lang}", [graduate], cohort=f"Key pages {lang}"
            )
        account = server.create_account(Role.trainee, lang)
        if visitor == "quiz_taker":
            facts["open_attempt"] = str(start_quiz(server, account, SAMPLE))
        elif visitor == "graduate":
            failed, passed = complete_module(server, account, SAMPLE, fail_first=True)
            facts["failed_attempt"], facts["passed_attempt"] = str(failed), str(passed)
            facts["certificate_code"] = certificate_of(server, account)[1]
        else:
            server.study(account, SAMPLE, [SAMPLE_FIRST_LESSON])
        return account
