"""Phones: at 360 x 740 CSS pixels no key page scrolls sideways, in any language, and its main
actions are on screen and can be reached."""

from __future__ import annotations

import pytest

from tests.e2e.browser import LANGS, PHONE, PHONE_HEIGHT, PHONE_WIDTH
from tests.e2e.conftest import OpenKeyPage
from tests.e2e.pages import HEADER_ACTIONS, KEY_PAGES, KeyPage, key_page_id

pytestmark = pytest.mark.e2e


WIDEST_ELEMENTS = """(width) => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > width + 0.5)
  .filter((el) => !el.closest("table"))  // a wide table scrolls inside its own box
  .slice(0, 5)
  .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> right edge at `
    + `${Math.round(el.getBoundingClientRect().right)}px: ${(el.innerText || "").slice(0, 40)}`)"""

# Scroll to each element matching the selectors, as a thumb would, and say what is wrong with
# it: missing, hidden, or (partly) outside the screen.
UNREACHABLE_ACTIONS = """([selectors, width, height]) => {
  const problems = [];
  for (const selector of selectors) {
    const found = [...document.querySelectorAll(selector)];
    if (found.length === 0) problems.push(`${selector}: not on the page`);
    for (const el of found) {
      el.scrollIntoView({block: "nearest", inline: "nearest"});
      const box = el.getBoundingClientRect();
      const name = `${selector} "${(el.innerText || el.value || "").trim().slice(0, 30)}"`;
      if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})
          || box.width === 0 || box.height === 0) {
        problems.push(`${name}: hidden`);
      } else if (box.left < 0 || box.right > width + 0.5) {
        problems.push(`${name}: from x=${box.left} to x=${box.right}, outside the screen`);
      } else if (box.bottom <= 0 || box.top >= height) {
        problems.push(`${name}: cannot be scrolled onto the screen (y=${box.top})`);
      }
    }
  }
  return problems;
}"""


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key_page", KEY_PAGES, ids=key_page_id)
def test_key_page_fits_a_phone_screen_and_its_actions_are_reachable(
    key_page: KeyPage, lang: str, open_key_page: OpenKeyPage
) -> None:
    page = open_key_page(key_page, lang, **PHONE)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH, (
        f"{key_page.path} in {lang} scrolls sideways ({scroll_width}px wide): "
        f"{page.evaluate(WIDEST_ELEMENTS, PHONE_WIDTH)}"
    )
    selectors = [*HEADER_ACTIONS, *key_page.actions]
    problems = page.evaluate(UNREACHABLE_ACTIONS, [selectors, PHONE_WIDTH, PHONE_HEIGHT])
    assert not problems, f"{key_page.path} in {lang}:\n" + "\n".join(problems)
