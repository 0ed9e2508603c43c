"""Slow and filtered networks: everything works without JavaScript, a lesson is light, and
nothing is fetched from another host."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from lms.content.models import Lesson, ModuleVersion
from lms.extensions import db
from tests.e2e.browser import (
    LANGS,
    START_FROM,
    expect_heading,
    expect_language,
    sign_in,
    switch_language,
)
from tests.e2e.conftest import NewContext
from tests.e2e.pages import JOURNEY, SAMPLE
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.e2e

MAX_LESSON_BYTES = 150 * 1024  # the whole page as transferred, images aside
MAX_LESSON_REQUESTS = 6
# A slow, crowded mobile connection: 400 kbit/s each way, 400 ms added to every request.
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * 1024 / 8,
    "uploadThroughput": 400 * 1024 / 8,
}
SLOW_3G_READABLE_SECONDS = 5.0


@pytest.mark.parametrize("lang", LANGS)
def test_reading_enrolling_and_switching_language_work_without_javascript(
    lang: str, new_context: NewContext, live_server: LiveServer
) -> None:
    server, start, t = live_server, START_FROM[lang], live_server.translate
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, server, server.create_account(language=start))
    expect_language(page, start)

    page.get_by_role("link", name=server.module_title(JOURNEY, start)).click()
    page.get_by_role("button", name=t(start, "Enrol"), exact=True).click()
    titles = server.lesson_titles(JOURNEY, start)
    expect_heading(page, titles[0])
    page.get_by_role("link", name=t(start, "Next: %(title)s", title=titles[1])).click()
    expect_heading(page, titles[1])

    # The switcher is a plain form: without JavaScript it needs its "Change" button.
    switch_language(page, lang)
    expect_heading(page, server.lesson_titles(JOURNEY, lang)[1])
    third = server.lesson_titles(JOURNEY, lang)[2]
    page.get_by_role("link", name=t(lang, "Next: %(title)s", title=third)).click()
    expect_heading(page, third)
    expect_language(page, lang)


@dataclass
class Traffic:
    """What one page load fetched, as Chrome's network layer saw it (bytes as transferred,
    headers included, compressed if the server compressed)."""

    requested: list[str] = field(default_factory=list)  # every URL the page asked for
    kinds: dict[str, str] = field(default_factory=dict)  # request id -> resource type
    urls: dict[str, str] = field(default_factory=dict)  # request id -> URL
    transferred: dict[str, int] = field(default_factory=dict)  # request id -> bytes

    def without_images(self) -> list[str]:
        """Request ids of everything but images."""
        return [rid for rid in self.urls if self.kinds[rid] != "Image"]

    def images(self) -> list[str]:
        return [self.urls[rid] for rid in self.urls if self.kinds[rid] == "Image"]

    def bytes_without_images(self) -> int:
        return sum(self.transferred.get(rid, 0) for rid in self.without_images())

    def report(self) -> str:
        return "\n".join(
            f"  {self.transferred.get(rid, 0):>7} B  {self.kinds[rid]:<10} {url}"
            for rid, url in self.urls.items()
        )


def record_traffic(page: Page) -> Traffic:
    """Record every request of ``page`` from now on, with the browser cache switched off."""
    traffic = Traffic()
    page.on("request", lambda request: traffic.requested.append(request.url))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def sent(event: dict[str, Any]) -> None:
        traffic.urls[event["requestId"]] = event["request"]["url"]
        traffic.kinds[event["requestId"]] = event.get("type", "Other")

    def finished(event: dict[str, Any]) -> None:
        traffic.transferred[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    return traffic


def load_lesson(
    new_context: NewContext, server: LiveServer, lang: str, module_id: str, key: str
) -> Traffic:
    """Open a lesson as a new enrolled trainee with a cold cache; return what it fetched,
    checked against the budget: light, few requests, all from this site."""
    account = server.create_account(language=lang)
    server.study(account, module_id)
    page = new_context().new_page()
    sign_in(page, server, account)

    traffic = record_traffic(page)
    page.goto(f"{server.url}/modules/{module_id}/lessons/{key}", wait_until="networkidle")
    expect_language(page, lang)

    listing = f"{module_id}/{key} in {lang}:\n{traffic.report()}"
    foreign = [u for u in traffic.requested if urlsplit(u).netloc not in ("", server.host)]
    assert not foreign, f"fetched from other hosts: {foreign}\n{listing}"
    assert len(traffic.without_images()) <= MAX_LESSON_REQUESTS, listing
    assert traffic.bytes_without_images() <= MAX_LESSON_BYTES, listing
    assert set(traffic.transferred) == set(traffic.urls), f"unfinished requests:\n{listing}"
    return traffic


def heaviest_lesson(server: LiveServer, lang: str) -> tuple[str, str]:
    """(module id, lesson key) of the lesson with the most HTML among ``lang``'s versions."""
    with server.app.app_context():
        row = db.session.execute(
            select(ModuleVersion.module_id, Lesson.key)
            .join(Lesson.module_version)
            .where(ModuleVersion.language == lang)
            .order_by(func.length(Lesson.html).desc())
            .limit(1)
        ).one()
    return row.module_id, row.key


@pytest.mark.parametrize("lang", LANGS)
def test_heaviest_real_lesson_is_light_and_comes_from_this_site_alone(
    lang: str, new_context: NewContext, curriculum_server: LiveServer
) -> None:
    module_id, key = heaviest_lesson(curriculum_server, lang)
    load_lesson(new_context, curriculum_server, lang, module_id, key)


def test_lesson_images_come_from_this_site_and_are_left_out_of_the_page_budget(
    new_context: NewContext, live_server: LiveServer
) -> None:
    # The sample module's second English lesson shows a diagram from its media/ folder.
    traffic = load_lesson(new_context, live_server, "en", SAMPLE, "02-indicators")
    [image] = traffic.images()
    assert image.startswith(f"{live_server.url}/media/{SAMPLE}/en/")


def test_lesson_is_readable_within_seconds_on_a_slow_3g_connection(
    new_context: NewContext, curriculum_server: LiveServer
) -> None:
    server = curriculum_server
    module_id, key = heaviest_lesson(server, "en")
    account = server.create_account()
    server.study(account, module_id)
    page = new_context().new_page()
    sign_in(page, server, account)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)

    started = time.monotonic()
    page.goto(f"{server.url}/modules/{module_id}/lessons/{key}", wait_until="commit")
    expect(page.locator(".lesson-body p").first).to_be_visible()
    page.wait_for_load_state("load")  # the stylesheet has arrived: the page is laid out
    elapsed = time.monotonic() - started
    assert elapsed <= SLOW_3G_READABLE_SECONDS, f"{elapsed:.1f} s to a readable lesson"
