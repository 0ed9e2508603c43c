"""Take the screenshots in docs/screenshots/ from the real curriculum, as the tests see it.

    LMS_TEST_CHROMIUM=/usr/bin/chromium .venv/bin/python -m tests.e2e.screenshots [OUT_DIR]

OUT_DIR defaults to docs/screenshots. Each PNG must stay under 150 KB (the script says so
when one does not); look at every one before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from lms.auth.models import Role
from tests.e2e.browser import PHONE, chromium_executable, launch_chromium, sign_in
from tests.e2e.server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 150 * 1024
MODULE = "trafficking-basics"
DESKTOP: dict[str, Any] = {"viewport": {"width": 1024, "height": 720}}


@dataclass(frozen=True)
class Shot:
    name: str
    lang: str
    path: str  # with {lesson} for the module's second lesson
    device: dict[str, Any]


SHOTS = (
    Shot("desktop-ko-lesson", "ko", f"/modules/{MODULE}/lessons/{{lesson}}", DESKTOP),
    Shot("phone-zh-catalog", "zh", "/modules", PHONE),
    Shot("phone-en-module", "en", f"/modules/{MODULE}", PHONE),
    Shot("phone-ko-lesson", "ko", f"/modules/{MODULE}/lessons/{{lesson}}", PHONE),
)


def take(browser: Browser, server: LiveServer, out: Path) -> list[str]:
    """Take every shot as a trainee who has read the module's first two lessons."""
    problems = []
    lesson = server.lesson_keys(MODULE)[1]
    for shot in SHOTS:
        account = server.create_account(Role.trainee, shot.lang)
        server.study(account, MODULE, server.lesson_keys(MODULE)[:2])
        context = browser.new_context(**shot.device)
        try:
            page = context.new_page()
            sign_in(page, server, account)
            page.goto(server.url + shot.path.format(lesson=lesson))
            target = out / f"{shot.name}.png"
            page.screenshot(path=target)
        finally:
            context.close()
        size = target.stat().st_size
        print(f"{target.relative_to(ROOT)}: {size // 1024} KB")
        if size > MAX_BYTES:
            problems.append(f"{target} is {size // 1024} KB, over {MAX_BYTES // 1024} KB")
    return problems


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    executable = chromium_executable()
    if executable is None:
        print("No chromium: `apt-get install chromium` or set LMS_TEST_CHROMIUM.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as driver:
        server = LiveServer(Path(tmp) / "passage.db", [ROOT / "modules"])
        browser = launch_chromium(driver, executable)
        try:
            problems = take(browser, server, out)
        finally:
            browser.close()
            server.stop()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
