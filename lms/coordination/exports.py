"""CSV and XLSX files of the coordination reports, written as a stream.

CSV is UTF-8 with a byte-order mark and CRLF line ends, so Excel opens Hangul and Hanzi intact.
XLSX is written by XlsxWriter in constant-memory mode to a temporary file, then streamed. In both,
a text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) gets a leading apostrophe, so it stays plain text.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

import xlsxwriter
from flask_babel import gettext as _

from lms.certificates.codes import format_code
from lms.certificates.services import Status as CertificateStatus
from lms.coordination.reports import Cell, CellStatus, CompletionRow, MatrixRow
from lms.i18n.locale import LANGUAGE_NAMES

BOM = "\ufeff"
CHUNK = 64 * 1024  # bytes per chunk sent
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Value = str | int | float | datetime | None


def neutralise(value: str) -> str:
    """``value`` made safe from spreadsheet formula execution (a leading apostrophe)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


# Cell labels: text, never colour alone ----------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """The translated words of the reports, looked up once per request (not once per cell)."""

    statuses: dict[CellStatus, str]
    certificate_statuses: dict[CertificateStatus, str]
    cell: str
    expired: str
    due: str
    lessons_due: str
    done_of: str

    def detail(self, cell: Cell, day: Callable[[date], str] = date.isoformat) -> str:
        """What follows the status: a date, and lessons opened when not completed."""
        if cell.status is CellStatus.completed and cell.completed_at is not None:
            return day(cell.completed_at.date())
        if cell.status is CellStatus.expired and cell.certificate_expires_at is not None:
            return self.expired % {"date": day(cell.certificate_expires_at.date())}
        if cell.status is CellStatus.not_started:
            return self.due % {"date": day(cell.due_on)}
        return self.lessons_due % {
            "done": cell.lessons_done,
            "total": cell.lessons_total,
            "date": day(cell.due_on),
        }

    def text(self, cell: Cell, day: Callable[[date], str] = date.isoformat) -> str:
        """The whole label of a cell, e.g. "In progress (3/7 lessons, due 2025-03-31)"."""
        return self.cell % {"status": self.statuses[cell.status], "detail": self.detail(cell, day)}


def labels() -> Labels:
    """The labels in the interface language of the current request."""
    # gettext without variables returns the translated pattern; it is filled in per cell.
    return Labels(
        statuses={
            CellStatus.not_started: _("Not started"),
            CellStatus.in_progress: _("In progress"),
            CellStatus.completed: _("Completed"),
            CellStatus.overdue: _("Overdue"),
            CellStatus.expired: _("Certificate expired"),
        },
        certificate_statuses={
            CertificateStatus.valid: _("Valid"),
            CertificateStatus.expired: _("Expired"),
            CertificateStatus.revoked: _("Revoked"),
        },
        # i18n: a cell of the completion matrix: its status, then a date or lessons opened
        cell=_("%(status)s (%(detail)s)"),
        # i18n: the date a certificate expired
        expired=_("expired %(date)s"),
        # i18n: the date an assigned module is due
        due=_("due %(date)s"),
        # i18n: lessons opened of all lessons of the module, and its due date
        lessons_due=_("%(done)d/%(total)d lessons, due %(date)s"),
        # i18n: assigned modules completed by a trainee, e.g. "2 of 5"
        done_of=_("%(done)d of %(assigned)d"),
    )


# Rows of each report ----------------------------------------------------------------------------


def matrix_header(columns: Sequence[tuple[str, str]]) -> list[str]:
    """Header of the matrix file; ``columns`` are (module id, title) pairs."""
    return [
        _("Name"),
        _("E-mail address"),
        _("Organisations"),
        _("Language"),
        _("Completed"),
        *(title for _module_id, title in columns),
    ]


def matrix_values(
    rows: Iterable[MatrixRow], columns: Sequence[tuple[str, str]]
) -> Iterator[list[Value]]:
    """One list of values per trainee, in the order of ``matrix_header``."""
    words = labels()
    for row in rows:
        cells = [row.cells.get(module_id) for module_id, _title in columns]
        yield [
            row.name,
            row.email,
            "; ".join(row.organisations),
            LANGUAGE_NAMES.get(row.language, row.language),
            words.done_of % {"done": row.completed, "assigned": len(row.cells)},
            *(words.text(cell) if cell is not None else "" for cell in cells),
        ]


def completions_header() -> list[str]:
    return [
        _("Name"),
        _("E-mail address"),
        _("Organisations"),
        _("Module"),
        _("Module id"),
        _("Version"),
        _("Language"),
        _("Completed at (UTC)"),
        _("Score (%)"),
        _("Certificate code"),
        _("Certificate status"),
    ]


def completions_values(
    rows: Iterable[CompletionRow], titles: dict[str, str]
) -> Iterator[list[Value]]:
    """One list of values per completion, in the order of ``completions_header``."""
    words = labels()
    for row in rows:
        status = row.certificate_status
        yield [
            row.name,
            row.email,
            "; ".join(row.organisations),
            titles.get(row.module_id, row.module_id),
            row.module_id,
            row.version,
            LANGUAGE_NAMES.get(row.language, row.language),
            row.completed_at,
            row.score,
            format_code(row.certificate_code) if row.certificate_code else "",
            words.certificate_statuses[status] if status is not None else "",
        ]


# Writers ---------------------------------------------------------------------------------------


def _csv_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    return neutralise(value)


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[Value]]) -> Iterator[bytes]:
    """The CSV file as chunks of bytes: BOM, header, then rows as they come."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([neutralise(title) for title in header])
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(
    out: IO[bytes],
    sheet: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Value]],
    widths: Sequence[int] = (),
) -> int:
    """Write one worksheet to ``out`` with constant memory; returns the number of data rows."""
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,  # each row goes to a temporary file once written
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "remove_timezone": True,  # datetimes are UTC (the header says so)
            "tmpdir": tempfile.gettempdir(),
        },
    )
    bold = workbook.add_format({"bold": True})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    worksheet = workbook.add_worksheet(_safe_sheet_name(sheet))
    for column, width in enumerate(widths):
        worksheet.set_column(column, column, width)
    worksheet.freeze_panes(1, 1)
    for column, title in enumerate(header):
        worksheet.write_string(0, column, neutralise(title), bold)
    count = 0
    for count, values in enumerate(rows, start=1):
        for column, value in enumerate(values):
            _write_cell(worksheet, count, column, value, moment)
    workbook.close()
    return count


def _write_cell(worksheet: Any, row: int, column: int, value: Value, moment: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        worksheet.write_datetime(row, column, value, moment)
    elif isinstance(value, int | float):
        worksheet.write_number(row, column, value)
    else:
        worksheet.write_string(row, column, neutralise(value))


def _safe_sheet_name(name: str) -> str:
    # Excel refuses these characters in sheet names and more than 31 characters.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip("' ")
    return (cleaned or "Sheet1")[:31]


def xlsx_file(
    sheet: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Value]],
    widths: Sequence[int] = (),
) -> IO[bytes]:
    """The XLSX file in an anonymous temporary file, rewound (the caller closes it)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115  (handed to the response, which closes it)
    try:
        write_xlsx(out, sheet, header, rows, widths)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def file_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    """The content of ``handle`` in chunks; closes it at the end or when the client leaves."""
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


def file_name(report: str, extension: str, day: date) -> str:
    """``passage-<report>-<YYYY-MM-DD>.<extension>``."""
    return f"passage-{report}-{day.isoformat()}.{extension}"
