"""CSV and XLSX exports of the matrix and the completions list, read back and checked."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lms.certificates.codes import format_code
from lms.coordination.exports import neutralise
from tests.conftest import sign_in
from tests.coordination.reports_world import (
    BASICS,
    FORMULA,
    IDENTIFY,
    PAST_DUE,
    TODAY,
    ReportWorld,
    build_report_world,
)


@pytest.fixture
def world(session: Session) -> ReportWorld:
    return build_report_world(session)


def read_csv(response: TestResponse) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark"
    text = body.decode("utf-8")[1:]
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "CRLF line ends"
    return list(csv.reader(io.StringIO(text, newline="")))


def read_xlsx(response: TestResponse) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [["" if value is None else value for value in row] for row in sheet.values]
    workbook.close()
    return rows


def as_dicts(rows: list[list[Any]]) -> list[dict[str, Any]]:
    header, *body = rows
    return [dict(zip(header, row, strict=False)) for row in body]


def download(client: FlaskClient, url: str) -> TestResponse:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    disposition = response.headers["Content-Disposition"]
    assert f"-{TODAY.isoformat()}." in disposition and disposition.startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    return response


# The matrix ------------------------------------------------------------------------------------


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_matrix_export_holds_every_row_of_the_scope(
    client: FlaskClient, world: ReportWorld, extension: str
) -> None:
    sign_in(client, world.coordinator)
    response = download(client, f"/coordination/matrix.{extension}")
    rows = read_csv(response) if extension == "csv" else read_xlsx(response)
    header = rows[0]
    assert header[:5] == ["Name", "E-mail address", "Organisations", "Language", "Completed"]
    assert header[5:] == ["Identifying victims", "Trafficking basics"]  # curriculum order
    by_name = {row["Name"]: row for row in as_dicts(rows)}
    assert set(by_name) == {"'" + FORMULA, "Ahn Expired", "Both Orgs", "王芳", "김민지"}
    minji = by_name["김민지"]
    assert minji["Language"] == "한국어"
    assert minji["Completed"] == "1 of 2"
    assert minji["Trafficking basics"] == (
        f"Completed ({(TODAY - timedelta(days=12)).isoformat()})"
    )
    assert minji["Identifying victims"].startswith("In progress (1/2 lessons, due ")
    assert by_name["王芳"]["Trafficking basics"] == (
        f"Overdue (0/3 lessons, due {PAST_DUE.isoformat()})"
    )
    assert by_name["Ahn Expired"]["Trafficking basics"] == (
        f"Certificate expired (expired {(TODAY - timedelta(days=5)).isoformat()})"
    )
    # Only the coordinator's organisations, never the other one's.
    assert by_name["Both Orgs"]["Organisations"] == "Hana Centre Busan"
    flat = repr(rows)
    for hidden in ("李伟", "Outsider Theirs", "Sunflower Shelter", "Referral pathways"):
        assert hidden not in flat


def test_matrix_export_keeps_the_filters_and_the_sort(
    client: FlaskClient, world: ReportWorld
) -> None:
    sign_in(client, world.coordinator)
    rows = read_csv(download(client, "/coordination/matrix.csv?status=overdue&order=desc"))
    assert [row[0] for row in rows[1:]] == ["王芳", "Both Orgs"]
    rows = read_csv(download(client, f"/coordination/matrix.csv?module={IDENTIFY}&language=ko"))
    assert rows[0][5:] == ["Identifying victims"]
    assert [row[0] for row in rows[1:]] == ["김민지"]


def test_the_other_coordinator_gets_only_their_people(
    client: FlaskClient, world: ReportWorld
) -> None:
    sign_in(client, world.other)
    rows = as_dicts(read_csv(download(client, "/coordination/matrix.csv")))
    # Outsider belongs to their organisation but takes part only in a cohort of mine: no row.
    assert {row["Name"] for row in rows} == {"李伟", "Both Orgs"}
    both = next(row for row in rows if row["Name"] == "Both Orgs")
    assert both["Organisations"] == "Sunflower Shelter"
    assert both["Trafficking basics"].startswith("Overdue")
    assert "Hana Centre Busan" not in repr(rows) and "김민지" not in repr(rows)


def test_an_empty_export_still_has_its_header(client: FlaskClient, world: ReportWorld) -> None:
    sign_in(client, world.coordinator)
    rows = read_csv(download(client, "/coordination/matrix.csv?status=in_progress&language=zh"))
    assert len(rows) == 1 and rows[0][0] == "Name"
    assert read_xlsx(download(client, "/coordination/completions.xlsx?language=zh")) == [
        read_xlsx(download(client, "/coordination/completions.xlsx"))[0]
    ]


# The completions list --------------------------------------------------------------------------


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_completions_export_lists_one_row_per_completion(
    client: FlaskClient, world: ReportWorld, extension: str
) -> None:
    sign_in(client, world.coordinator)
    response = download(client, f"/coordination/completions.{extension}")
    rows = read_csv(response) if extension == "csv" else read_xlsx(response)
    assert rows[0] == [
        "Name", "E-mail address", "Organisations", "Module", "Module id", "Version", "Language",
        "Completed at (UTC)", "Score (%)", "Certificate code", "Certificate status",
    ]  # fmt: skip
    found = as_dicts(rows)
    assert [row["Name"] for row in found] == ["'" + FORMULA, "Ahn Expired", "김민지"]
    expired, minji = found[1], found[2]
    assert expired["Module"] == "Trafficking basics" and expired["Module id"] == BASICS
    assert expired["Certificate code"] == format_code("B" * 17)
    assert expired["Certificate status"] == "Expired"
    assert minji["Certificate status"] == "Valid" and found[0]["Certificate status"] == ""
    assert minji["Organisations"] == "Hana Centre Busan" and minji["Language"] == "English"
    completed = datetime.combine(TODAY - timedelta(days=800), datetime.min.time()).replace(hour=9)
    if extension == "csv":
        assert expired["Score (%)"] == "75.5" and expired["Version"] == "1"
        assert expired["Completed at (UTC)"] == completed.strftime("%Y-%m-%d %H:%M")
    else:  # real numbers and dates, not text
        assert expired["Score (%)"] == 75.5 and expired["Version"] == 1
        assert expired["Completed at (UTC)"] == completed


def test_completions_export_filters_and_scope(client: FlaskClient, world: ReportWorld) -> None:
    sign_in(client, world.admin)
    everyone = as_dicts(read_csv(download(client, "/coordination/completions.csv")))
    assert {row["Name"] for row in everyone} == {
        "'" + FORMULA, "Ahn Expired", "김민지", "李伟", "Outsider Theirs"
    }  # fmt: skip
    url = f"/coordination/completions.csv?cohort={world.their_cohort.id}"
    assert [row["Name"] for row in as_dicts(read_csv(download(client, url)))] == ["李伟"]
    url = f"/coordination/completions.csv?completed_to={(TODAY - timedelta(days=100)).isoformat()}"
    assert [row["Name"] for row in as_dicts(read_csv(download(client, url)))] == ["Ahn Expired"]
    sign_in(client, world.other)
    theirs = as_dicts(read_csv(download(client, "/coordination/completions.csv")))
    assert {row["Name"] for row in theirs} == {"李伟", "Outsider Theirs"}


# Safety and streaming --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+82 10", "'+82 10"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("김민지", "김민지"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_that_start_like_a_formula_are_neutralised(value: str, expected: str) -> None:
    assert neutralise(value) == expected


@pytest.fixture
def streamed(connection: Connection) -> Iterator[list[bool]]:
    """For each statement run: whether it was asked to stream its rows (server-side cursor)."""
    flags: list[bool] = []

    def record(
        _conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, *_: Any
    ) -> None:
        flags.append(bool(context.execution_options.get("stream_results")))

    event.listen(connection, "before_cursor_execute", record)
    yield flags
    event.remove(connection, "before_cursor_execute", record)


@pytest.mark.parametrize("report", ["matrix", "completions"])
def test_csv_is_streamed_from_a_server_side_cursor(
    client: FlaskClient, world: ReportWorld, streamed: list[bool], report: str
) -> None:
    sign_in(client, world.coordinator)
    response = client.get(f"/coordination/{report}.csv")
    assert response.is_streamed
    assert read_csv(response)[1:]  # rows came
    assert any(streamed), "the rows' query streams its results"
