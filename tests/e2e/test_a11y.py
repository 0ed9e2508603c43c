"""Accessibility of every key page in every language: axe-core finds nothing serious,
and every form field has a label."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.browser import LANGS
from tests.e2e.conftest import OpenKeyPage
from tests.e2e.pages import KEY_PAGES, KeyPage, key_page_id
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(" "), html: n.html, summary: n.failureSummary || "",
    })),
  }));
}"""

FIELDS = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter((el) => !["hidden", "submit", "button", "reset", "image"].includes(el.type))
  .map((el) => ({
    html: el.outerHTML,
    labelled: [...el.labels].some((label) => label.innerText.trim() !== ""),
  }))"""


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (all rules, WCAG and best practice).

    axe must have been loaded as an init script: the page's CSP forbids inline scripts, and
    an init script needs no hole in it.
    """
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """One paragraph per rule: impact, rule, what to fix and each element concerned."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            lines.extend(f"      {line}" for line in node["summary"].splitlines())
    return "\n".join(lines)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key_page", KEY_PAGES, ids=key_page_id)
def test_key_page_has_no_serious_accessibility_problem_and_labels_every_field(
    key_page: KeyPage, lang: str, open_key_page: OpenKeyPage, live_server: LiveServer
) -> None:
    page = open_key_page(key_page, lang, init_script=AXE)
    violations = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not violations, f"{key_page.path} in {lang}:\n{describe(violations)}"

    # axe accepts a title or placeholder as a name; a field here needs a visible label.
    fields = page.evaluate(FIELDS)
    assert fields, "every page has at least the language switcher"
    unlabelled = [f["html"] for f in fields if not f["labelled"]]
    assert not unlabelled, f"{key_page.path} in {lang}, fields without a label:\n" + "\n".join(
        unlabelled
    )
    switcher_label = page.locator("label[for=language-select]")
    assert switcher_label.inner_text().strip() == live_server.translate(lang, "Language")
