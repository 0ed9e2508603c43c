"""Rendering: the module format's Markdown becomes HTML with nothing executable left in it."""

from __future__ import annotations

import pytest

from lms.content.render import Links, render, rewrite_relative_url

LINKS = Links.of("sample-module", "en", 3)
PREFIX = "/media/sample-module/en/3/"


def html_of(source: str, language: str = "en") -> str:
    return render(source, language=language, links=LINKS)


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        pytest.param("Hi <script>alert(1)</script> there", "alert", id="script tag and its text"),
        pytest.param('<img src="media/x.png" onerror="alert(1)">', "onerror", id="onerror"),
        pytest.param("[click](javascript:alert(1))", "javascript", id="javascript link"),
        pytest.param('<a href="JaVaScRiPt:alert(1)">x</a>', "alert", id="javascript mixed case"),
        pytest.param("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:", id="data link"),
        pytest.param('<p style="position:fixed">x</p>', "style", id="style attribute"),
        pytest.param("<style>body{display:none}</style>", "display", id="style tag"),
        pytest.param('<iframe src="https://evil.example"></iframe>', "iframe", id="iframe"),
        pytest.param('<form action="https://evil.example"><input></form>', "form", id="form"),
        pytest.param('<a href="https://a.example" onclick="steal()">x</a>', "steal", id="onclick"),
        pytest.param('<div class="button primary">fake</div>', "button", id="unknown class"),
    ],
)
def test_sanitiser_removes_what_could_run_or_mislead(source: str, forbidden: str) -> None:
    assert forbidden not in html_of(source)


def test_table_is_kept_with_alignment() -> None:
    html = html_of("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert '<th align="left">a</th>' in html
    assert '<td align="right">2</td>' in html


def test_admonition_is_kept_with_its_classes() -> None:
    html = html_of('!!! warning "Be careful"\n    Do not confront the employer.\n')
    assert '<div class="admonition warning">' in html
    assert '<p class="admonition-title">Be careful</p>' in html


def test_footnote_links_and_ids_are_kept() -> None:
    html = html_of("Claim.[^1]\n\n[^1]: Source.\n")
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"' in html
    assert '<li id="fn:1">' in html
    assert 'href="#fnref:1"' in html


def test_footnote_backlink_title_is_in_the_module_language() -> None:
    assert 'title="Back to the text of footnote 1"' in html_of("A[^1]\n\n[^1]: B\n", "en")


def test_headings_keep_readable_ids_in_every_script() -> None:
    html = html_of("# Who is a victim?\n\n## 피해자 식별\n\n## 识别受害者\n")
    assert '<h1 id="who-is-a-victim">' in html
    assert '<h2 id="피해자-식별">' in html
    assert '<h2 id="识别受害者">' in html


def test_heading_never_takes_an_id_the_layout_uses() -> None:
    assert '<h2 id="section-main">' in html_of("## Main\n")


def test_code_block_keeps_its_language_class() -> None:
    assert '<code class="language-python">' in html_of("```python\nx = 1\n```\n")


def test_relative_image_points_at_the_versioned_media_url() -> None:
    html = html_of("![Chart](media/chart%20one.png)")
    assert f'src="{PREFIX}chart%20one.png"' in html
    assert 'alt="Chart"' in html


def test_external_link_gets_noopener_noreferrer() -> None:
    assert '<a href="https://www.ilo.org/" rel="noopener noreferrer">ILO</a>' in html_of(
        "[ILO](https://www.ilo.org/)"
    )


def test_mailto_link_survives() -> None:
    assert 'href="mailto:help@example.org"' in html_of("[mail](mailto:help@example.org)")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("media/a.png", f"{PREFIX}a.png"),
        ("./media/sub/b.svg", f"{PREFIX}sub/b.svg"),
        ("02-indicators.md#signs", "/modules/sample-module/lessons/02-indicators#signs"),
        ("./03-more.md", "/modules/sample-module/lessons/03-more"),
        ("#fn:1", "#fn:1"),
        ("/modules", "/modules"),
        ("../other/x.png", None),
    ],
)
def test_relative_urls_are_rewritten_for_the_site(url: str, expected: str | None) -> None:
    assert rewrite_relative_url(url, LINKS) == expected


def test_line_breaks_between_chinese_characters_disappear_outside_code() -> None:
    html = html_of("指标提示可能存在\n人口贩运。\nEnglish\nwords\n\n```\n代码\n行\n```\n", "zh")
    assert "<p>指标提示可能存在人口贩运。\nEnglish\nwords</p>" in html
    assert "代码\n行" in html


def test_line_breaks_in_korean_stay_spaces() -> None:
    assert "<p>지표는\n증명하지" in html_of("지표는\n증명하지 않습니다.", "ko")


def test_tables_are_wrapped_in_a_labelled_region_the_keyboard_can_scroll() -> None:
    html = render("| a | b |\n|---|---|\n| 1 | 2 |\n", language="en", links=Links.of("m", "en", 1))
    assert html.startswith('<div class="table-scroll" role="region" tabindex="0" aria-label=')
    assert html.rstrip().endswith("</table></div>")
    assert render("No table here.", language="en", links=Links.of("m", "en", 1)) == (
        "<p>No table here.</p>"
    )
