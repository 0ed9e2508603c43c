"""A coordinator imports trainees from a CSV file (dry run first) and finds them in the matrix."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import LANGS, START_FROM, expect_heading, sign_in, switch_language
from tests.e2e.server import LiveServer, coordinator_of

pytestmark = pytest.mark.e2e

HEADER = "name,email,organisation,preferred_language,cohort\n"


def upload(page: Page, server: LiveServer, lang: str, name: str, text: str) -> None:
    """Choose the file on the upload page and press "Check the file"."""
    t = server.translate
    page.goto(f"{server.url}/coordination/import")
    expect_heading(page, t(lang, "Import people from a CSV file"))
    page.get_by_label(t(lang, "CSV file")).set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_role("button", name=t(lang, "Check the file")).click()
    expect_heading(page, t(lang, "Check the import"))


@pytest.mark.parametrize("lang", LANGS)
def test_coordinator_imports_a_csv_after_a_dry_run_and_sees_the_trainees_in_the_matrix(
    lang: str, page: Page, live_server: LiveServer
) -> None:
    server = live_server
    t = server.translate
    tag = uuid.uuid4().hex[:6]
    organisation = f"Hana Centre {tag}"
    cohort = f"Spring {tag}"
    coordinator = coordinator_of(server, START_FROM[lang], organisation, cohort=cohort)
    sign_in(page, server, coordinator)
    page.goto(f"{server.url}/coordination")
    switch_language(page, lang)
    expect_heading(page, t(lang, "Coordination"))

    hangul, hanzi = f"김민지 {tag}", f"李伟 {tag}"
    good = (
        f"{hangul},minji-{tag}@example.org,{organisation},ko,{cohort}\n"
        f"{hanzi},li-{tag}@example.org,{organisation},zh,{cohort}\n"
    )
    bad = good + f"Third {tag},not-an-address,{organisation},en,\n"
    upload(page, server, lang, "bad.csv", HEADER + bad)
    expect(page.locator("#problems")).to_be_visible()
    problems = page.locator("ul.problems li")
    expect(problems).to_have_count(1)
    # Line 4 of the file (the header is line 1), named in the page's language.
    with_column = t(lang, "Line %(line)s, column %(column)s:", line=4, column="@@")
    before, after = (re.escape(part) for part in with_column.split("@@"))
    line_only = re.escape(t(lang, "Line %(line)s:", line=4))
    expect(problems.locator("strong")).to_have_text(
        re.compile(rf"^(?:{before}.+{after}|{line_only})$")
    )
    expect(
        page.get_by_role("button", name=t(lang, "Import and send the invitations"))
    ).to_have_count(0)

    upload(page, server, lang, "good.csv", HEADER + good)
    expect(page.locator("ul.problems")).to_have_count(0)
    expect(page.locator("table.import-rows tbody tr")).to_have_count(2)
    page.get_by_role("button", name=t(lang, "Import and send the invitations")).click()
    imported = t(lang, "The file has been imported.")
    expect(page.locator(".flash-success").filter(has_text=imported)).to_have_count(1)

    page.goto(f"{server.url}/coordination/matrix")
    expect_heading(page, t(lang, "Completion matrix"))
    expect(page.locator("main")).to_contain_text(hangul)
    expect(page.locator("main")).to_contain_text(hanzi)

    href = page.get_by_role("link", name=t(lang, "Matrix (CSV)")).get_attribute("href")
    response = page.context.request.get(server.url + (href or ""))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    body = response.body()
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM to read Hangul"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert any(hangul in row for row in rows), rows
