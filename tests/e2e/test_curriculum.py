"""The real curriculum in modules/: imported as on a server, read in a browser in each language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.content.models import Lesson, ModuleVersion
from lms.extensions import db
from tests.e2e.browser import LANGS, PHONE, PHONE_WIDTH, expect_heading, expect_language, sign_in
from tests.e2e.conftest import NewContext
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.e2e

FIRST_MODULE = "trafficking-basics"  # the foundation module every trainee starts with

# Tables that scroll sideways inside the lesson (wider than a phone) but that the keyboard
# cannot reach: no tabindex, nothing focusable inside, so they cannot be scrolled without a
# mouse or a finger (WCAG 2.1.1; axe's "scrollable-region-focusable", a serious problem).
UNSCROLLABLE_TABLES = """() => [...document.querySelectorAll(".lesson-body table")]
  .filter((table) => table.scrollWidth > table.clientWidth + 1)
  .filter((table) => table.tabIndex < 0 && !table.querySelector(
    "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])"))
  .map((table) => (table.querySelector("th, td")?.innerText || "").trim().slice(0, 30))"""


@pytest.mark.parametrize("lang", LANGS)
def test_trainee_enrols_in_a_real_module_and_reads_its_first_lesson_in_their_language(
    lang: str, new_context: NewContext, curriculum_server: LiveServer
) -> None:
    server, t = curriculum_server, curriculum_server.translate
    page = new_context().new_page()
    sign_in(page, server, server.create_account(language=lang))
    page.get_by_role("link", name=server.module_title(FIRST_MODULE, lang), exact=True).click()
    expect_heading(page, server.module_title(FIRST_MODULE, lang))
    page.get_by_role("button", name=t(lang, "Enrol"), exact=True).click()

    expect_language(page, lang)
    expect_heading(page, server.lesson_titles(FIRST_MODULE, lang)[0])
    # Shown in the trainee's language: no "not yet translated" notice, no other-language text.
    expect(page.locator(".language-notice")).to_have_count(0)
    expect(page.locator(".lesson-body")).not_to_have_attribute("lang", "en")
    expect(page.locator(".lesson-body p").first).to_be_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_every_real_lesson_fits_a_phone_screen(
    lang: str, new_context: NewContext, curriculum_server: LiveServer
) -> None:
    server = curriculum_server
    account = server.create_account(language=lang)
    modules = server.module_ids()
    for module_id in modules:
        server.study(account, module_id)
    page = new_context(**PHONE).new_page()
    sign_in(page, server, account)

    too_wide = []
    for module_id in modules:
        for key in server.lesson_keys(module_id, lang):
            page.goto(f"{server.url}/modules/{module_id}/lessons/{key}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE_WIDTH:
                too_wide.append(f"{module_id}/{key}: {width}px")
    assert not too_wide, f"lessons that scroll sideways at 360px in {lang}: {too_wide}"


def lessons_with_tables(server: LiveServer, lang: str) -> list[tuple[str, str]]:
    """(module id, lesson key) of every ``lang`` lesson that has a table."""
    with server.app.app_context():
        rows = db.session.execute(
            select(ModuleVersion.module_id, Lesson.key)
            .join(Lesson.module_version)
            .where(ModuleVersion.language == lang, Lesson.html.contains("<table"))
            .order_by(ModuleVersion.module_id, Lesson.position)
        )
        return [(module_id, key) for module_id, key in rows]


@pytest.mark.parametrize("lang", LANGS)
def test_real_tables_that_scroll_on_a_phone_can_be_scrolled_with_the_keyboard(
    lang: str, new_context: NewContext, curriculum_server: LiveServer
) -> None:
    server = curriculum_server
    lessons = lessons_with_tables(server, lang)
    assert lessons, "the curriculum has tables"
    account = server.create_account(language=lang)
    for module_id in {module_id for module_id, _key in lessons}:
        server.study(account, module_id)
    page = new_context(**PHONE).new_page()
    sign_in(page, server, account)

    unreachable: list[str] = []
    for module_id, key in lessons:
        page.goto(f"{server.url}/modules/{module_id}/lessons/{key}")
        tables = page.evaluate(UNSCROLLABLE_TABLES)
        unreachable.extend(f"{module_id}/{key}: table starting {t!r}" for t in tables)
    assert not unreachable, (
        f"{len(unreachable)} tables in {lang} scroll sideways on a phone but cannot be "
        "reached with the keyboard:\n" + "\n".join(unreachable)
    )
