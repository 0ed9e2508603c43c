"""Certificate PDFs, read back with poppler: names in every script, layout, size, fonts.

These tests need no database, so they run once rather than once per database.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from lms import create_app
from lms.certificates import fonts
from lms.certificates.codes import format_code, new_code
from lms.certificates.pdf import CertificateContent, Signature, qr_svg, render_html, render_pdf
from tests.conftest import app_config

pytestmark = pytest.mark.usefixtures("poppler")

SIGNATURE = Signature("Passage Training Programme", "Dr. Lee Ji-eun", "Director of Training")
LONG_NAME = ("Hubert Blaine Wolfeschlegelsteinhausenbergerdorff Maximilian Alexander " * 4)[:200]
A4_LANDSCAPE = re.compile(r"Page size:\s+841\.89 x 595\.27\d* pts")


@pytest.fixture(scope="module")
def pdf_app() -> Iterator[Flask]:
    app = create_app(app_config())
    with app.app_context():
        yield app


def content(name: str, title: str, language: str, **fields: object) -> CertificateContent:
    values: dict[str, object] = {
        "holder_name": name,
        "module_title": title,
        "module_version": 3,
        "duration_minutes": 90,
        "completed_at": datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
        "expires_at": datetime(2027, 3, 4, 9, 30, tzinfo=UTC),
        "organisation": "Hana Centre Busan",
        "code": new_code(),
        "verify_url": "https://passage.example.org/verify/K7MX-3QPA-9D2F-WR4T-8",
        "language": language,
    }
    values.update(fields)
    return CertificateContent(**values)  # type: ignore[arg-type]


def poppler(tool: str, *args: str | Path) -> str:
    program = shutil.which(tool)
    assert program is not None
    result = subprocess.run([program, *map(str, args)], capture_output=True, text=True, check=True)
    return result.stdout


def read_back(pdf: bytes, tmp_path: Path) -> tuple[str, str]:
    """(the text, pdfinfo's report) of a PDF, after checking it is one A4 landscape page."""
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    info = poppler("pdfinfo", path)
    assert "Pages:           1" in info
    assert A4_LANDSCAPE.search(info), info
    return poppler("pdftotext", "-layout", path, "-"), info


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(
    ("name", "title", "language", "date"),
    [
        ("김민준", "인신매매 피해자 식별 및 면담", "ko", "2025년 3월 4일"),
        ("王秀英", "识别和询问人口贩运受害者", "zh", "2025年3月4日"),
        ("Kim Min-ji 김민지 李伟", "Identifying victims of trafficking", "en", "March 4, 2025"),
        ("Nguyễn Thị Thu Hương", "Trafficking basics", "en", "March 4, 2025"),
    ],
)
def test_names_and_titles_come_back_exactly_from_the_pdf(
    pdf_app: Flask, tmp_path: Path, name: str, title: str, language: str, date: str
) -> None:
    certificate = content(name, title, language)
    pdf = render_pdf(certificate, SIGNATURE)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) < 150 * 1024
    text, _info = read_back(pdf, tmp_path)
    assert name in text
    assert title in text
    assert date in text  # formatted by Babel for the certificate's language
    assert format_code(certificate.code) in text
    assert "Hana Centre Busan" in text
    assert "Dr. Lee Ji-eun" in text and "Director of Training" in text
    assert "PASSAGETRAININGPROGRAMME" in squeeze(text)  # letter-spaced capitals
    assert "https://passage.example.org/verify/K7MX-3QPA-9D2F-WR4T-8" in text
    # Every font is embedded and subset: no tofu from a missing font, and a small file.
    report = poppler("pdffonts", tmp_path / "certificate.pdf").splitlines()[2:]
    assert report, "no fonts"
    for line in report:
        assert re.search(r"\byes\s+yes\s+yes\b", line), line
    assert fonts.missing_characters(fonts.LIBRARY.face("sans", "KR", False), name + title) == []


def test_a_200_character_name_wraps_on_one_page(pdf_app: Flask, tmp_path: Path) -> None:
    assert len(LONG_NAME) == 200
    title = "Identifying and interviewing victims of trafficking in resettlement centres"
    text, _info = read_back(render_pdf(content(LONG_NAME, title, "en"), SIGNATURE), tmp_path)
    assert squeeze(LONG_NAME) in squeeze(text)
    assert "Director of Training" in text  # the footer is still there, after the name


def test_one_200_character_word_is_broken_to_fit(pdf_app: Flask, tmp_path: Path) -> None:
    name = "김" * 100 + "X" * 100
    text, _info = read_back(render_pdf(content(name, "Basics", "en"), SIGNATURE), tmp_path)
    assert name in squeeze(text)


def test_emoji_and_right_to_left_names_render(pdf_app: Flask, tmp_path: Path) -> None:
    name = "محمد بن علي · עברית · Anna 😀"
    text, _info = read_back(render_pdf(content(name, "Basics", "en"), SIGNATURE), tmp_path)
    assert "Anna" in text
    for word in ("محمد", "علي", "עברית"):
        # pdftotext may give right-to-left words in visual order: compare the letters.
        assert word in text or word[::-1] in text, word
    covered = fonts.missing_characters(fonts.LIBRARY.face("sans", "SC", False), "محمد עברית")
    assert covered == []  # Arabic and Hebrew have a font (DejaVu Sans); nothing shows as tofu


def test_an_emoji_without_any_font_is_logged_not_fatal(
    pdf_app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    name = "Anna \U0001fae8"  # a shaking face: in no font installed here
    missing = fonts.missing_characters(fonts.LIBRARY.face("sans", "SC", False), name)
    text, _info = read_back(render_pdf(content(name, "Basics", "en"), SIGNATURE), tmp_path)
    assert "Anna" in text
    if missing:
        assert "U+1FAE8" in caplog.text


def test_empty_organisation_and_signatory_leave_no_gaps(pdf_app: Flask, tmp_path: Path) -> None:
    html = render_html(content("Kim", "Basics", "en", organisation=""), Signature())
    assert 'class="organisation"' not in html and 'class="issuer"' not in html
    assert "Signature" in html  # the signature line keeps a caption
    text, _info = read_back(
        render_pdf(content("Kim", "Basics", "en", organisation="", expires_at=None), Signature()),
        tmp_path,
    )
    assert "Kim" in text and "Valid until" not in text


def test_names_are_text_never_markup(pdf_app: Flask, tmp_path: Path) -> None:
    name = '<img src="file:///etc/passwd"> & Kim'
    text, _info = read_back(render_pdf(content(name, "Basics", "en"), SIGNATURE), tmp_path)
    assert name in text


def test_a_page_renders_to_a_landscape_png(pdf_app: Flask, tmp_path: Path) -> None:
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(render_pdf(content("김민준", "인신매매 피해자 식별", "ko"), SIGNATURE))
    poppler("pdftoppm", "-r", "40", "-png", "-singlefile", pdf, tmp_path / "page")
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (468, 331)  # A4 landscape at 40 dpi


def test_the_qr_code_encodes_the_verification_url() -> None:
    import segno

    url = "https://passage.example.org/verify/K7MX-3QPA-9D2F-WR4T-8"
    svg = qr_svg(url).decode()
    assert svg.startswith("<?xml") and "<svg" in svg
    expected = segno.make(url, error="m", micro=False)
    assert expected.designator == "4-M"  # a version-4 code: easy to scan at 30 mm
