"""Bulk import of trainees from a CSV file: read, check every row (dry run), then commit.

The file: UTF-8 with or without BOM, or UTF-16 with BOM (Excel's "Unicode text"); comma,
semicolon or tab between values (found from the header); any line endings. The header names
the columns in any case (Korean and Chinese names are accepted too): name, email,
organisation, preferred_language, cohort. Line numbers in messages are the lines of the file
as a text editor shows them, the header being line 1 when the file starts with it.

``plan_import`` changes nothing and reports every bad row; ``commit_import`` re-checks and then
writes everything or nothing. Committing the same file twice changes nothing the second time:
people are matched by e-mail address, and memberships and participations are only added.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.auth import services as accounts
from lms.auth.models import User
from lms.coordination.invitations import new_invited_user
from lms.coordination.models import (
    Cohort,
    CohortParticipant,
    Invitation,
    Organisation,
    OrganisationMember,
)
from lms.coordination.services import scope
from lms.coordination.services.errors import CoordinationError
from lms.coordination.services.organisations import name_key
from lms.i18n.locale import normalise

COLUMNS = ("name", "email", "organisation", "preferred_language", "cohort")
REQUIRED = ("name", "email", "organisation")
DEFAULT_LANGUAGE = "en"
_CHUNK = 500

# Header names, compared case-folded without spaces, hyphens, underscores or dots.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "이름", "성명", "姓名", "名字", "名称"),
    "email": (
        "email",
        "emailaddress",
        "mail",
        "이메일",
        "전자우편",
        "이메일주소",
        "电子邮件",
        "邮箱",
        "电子邮箱",
        "邮件",
    ),
    "organisation": (
        "organisation",
        "organization",
        "org",
        "기관",
        "소속",
        "소속기관",
        "机构",
        "组织",
        "单位",
        "所属机构",
    ),
    "preferred_language": (
        "preferredlanguage",
        "language",
        "lang",
        "언어",
        "사용언어",
        "语言",
        "首选语言",
    ),
    "cohort": ("cohort", "기수", "교육과정", "과정", "班级", "培训班", "批次"),
}
_HEADER_LOOKUP = {alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases}

LANGUAGE_ALIASES = {
    "english": "en", "영어": "en", "英语": "en", "英文": "en",
    "korean": "ko", "한국어": "ko", "조선어": "ko", "韩语": "ko", "韩文": "ko", "朝鲜语": "ko",
    "chinese": "zh", "중국어": "zh", "中文": "zh", "汉语": "zh", "简体中文": "zh", "普通话": "zh",
}  # fmt: skip


class CsvFileError(CoordinationError):
    """The whole file is refused (not CSV, empty, too large, no usable header ...)."""


@dataclass(frozen=True)
class Limits:
    """How large a file may be, in bytes and in rows of people."""

    max_bytes: int
    max_rows: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        """The limits set by ``CSV_IMPORT_MAX_BYTES`` and ``CSV_IMPORT_MAX_ROWS``."""
        return cls(int(config["CSV_IMPORT_MAX_BYTES"]), int(config["CSV_IMPORT_MAX_ROWS"]))


@dataclass(frozen=True)
class Record:
    """One row of people as read: its first line in the file and its cells by column."""

    line: int
    values: dict[str, str]
    problems: tuple[str, ...] = ()  # problems of the row's shape (too many columns)


@dataclass(frozen=True)
class ParsedFile:
    """A readable file: its encoding, delimiter, columns and rows."""

    encoding: str
    delimiter: str
    columns: tuple[str, ...]
    records: list[Record]


@dataclass(frozen=True)
class RowProblem:
    """Why a row cannot be imported: ``line`` of the file, ``column`` if one is at fault."""

    line: int
    column: str | None
    message: str


@dataclass
class PlannedRow:
    """What committing will do with one row."""

    line: int
    name: str
    email: str
    language: str
    organisation: Organisation
    cohort: Cohort | None
    user: User | None  # the existing account with this e-mail address; None: create one
    joins_organisation: bool
    joins_cohort: bool

    @property
    def action(self) -> str:
        """``create``, ``update`` (an existing account joins) or ``unchanged``."""
        if self.user is None:
            return "create"
        return "update" if self.joins_organisation or self.joins_cohort else "unchanged"


@dataclass
class ImportPlan:
    """The dry run: every row that can be imported and every problem, by line."""

    parsed: ParsedFile
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        """How many rows have this action."""
        return sum(1 for row in self.rows if row.action == action)

    @property
    def bad_lines(self) -> list[int]:
        return sorted({problem.line for problem in self.problems})


@dataclass
class ImportResult:
    """What a commit did."""

    created: list[User]
    updated: int
    unchanged: int
    memberships_added: int
    participations_added: int

    def as_dict(self) -> dict[str, Any]:
        """Counts to keep with the upload (JSON)."""
        return {
            "created": len(self.created),
            "updated": self.updated,
            "unchanged": self.unchanged,
            "memberships_added": self.memberships_added,
            "participations_added": self.participations_added,
        }


class ImportHasProblems(CoordinationError):
    """A commit was asked for a file with bad rows: nothing was imported."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(
            _("Nothing was imported: %(n)s rows have problems.", n=len(plan.bad_lines))
        )
        self.plan = plan


# Reading -------------------------------------------------------------------------------------


def _megabytes(n: int) -> str:
    return str(format_decimal(n / (1024 * 1024), format="#,##0.#"))


def decode(data: bytes, limits: Limits) -> tuple[str, str]:
    """The file's text and encoding name. Raises CsvFileError."""
    if len(data) > limits.max_bytes:
        raise CsvFileError(
            _(
                "The file is too large (%(size)s MB): at most %(max)s MB can be imported at "
                "once. Split it into smaller files.",
                size=_megabytes(len(data)),
                max=_megabytes(limits.max_bytes),
            )
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise CsvFileError(
            _(
                "This is an Excel workbook, not a CSV file. In Excel, choose File › Save As "
                "and the type “CSV UTF-8 (Comma delimited)”, then upload that file."
            )
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "UTF-16"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise CsvFileError(_("The file says it is UTF-16 text but is not.")) from error
    else:
        encoding = "UTF-8"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            if b"\x00" in data:
                raise CsvFileError(_("This is not a CSV file: it is not text.")) from error
            raise CsvFileError(
                _(
                    "The file is not in UTF-8 (a problem at byte %(at)s). In Excel, save it "
                    "with the type “CSV UTF-8 (Comma delimited)” and upload it again.",
                    at=error.start + 1,
                )
            ) from error
    if "\x00" in text:
        raise CsvFileError(_("This is not a CSV file: it is not text."))
    if not text.strip():
        raise CsvFileError(_("The file is empty."))
    return text, encoding


def _header_key(cell: str) -> str:
    return "".join(ch for ch in cell.strip().casefold() if ch not in " \t-_.")


def _rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(first line, cells) of every record; raises CsvFileError for unreadable lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for cells in reader:
            records.append((previous_end + 1, cells))
            previous_end = reader.line_num
    except csv.Error as error:
        raise CsvFileError(
            _("Line %(line)s cannot be read: %(reason)s", line=previous_end + 1, reason=str(error))
        ) from error
    return records


def _first_record(text: str, delimiter: str) -> list[str]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                return cells
    except csv.Error:
        return []
    return []


def _choose_delimiter(text: str) -> str:
    """The delimiter under which the header names the most known columns."""
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        header = _first_record(text, delimiter)
        known = sum(1 for cell in header if _header_key(cell) in _HEADER_LOOKUP)
        score = (known, len(header))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _columns(header: list[str], line: int) -> list[str | None]:
    """The column of each header cell (None for an empty cell). Raises CsvFileError."""
    columns: list[str | None] = []
    for cell in header:
        if not cell.strip():
            columns.append(None)
            continue
        column = _HEADER_LOOKUP.get(_header_key(cell))
        if column is None:
            raise CsvFileError(
                _(
                    "Line %(line)s, the header: “%(name)s” is not a column this import knows. "
                    "The columns are: %(columns)s.",
                    line=line,
                    name=cell.strip(),
                    columns=", ".join(COLUMNS),
                )
            )
        if column in columns:
            raise CsvFileError(
                _(
                    "Line %(line)s, the header: the column “%(name)s” appears twice.",
                    line=line,
                    name=column,
                )
            )
        columns.append(column)
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        raise CsvFileError(
            _(
                "Line %(line)s, the header: the column “%(name)s” is missing. The first line "
                "must name the columns: %(columns)s.",
                line=line,
                name=missing[0],
                columns=", ".join(COLUMNS),
            )
        )
    return columns


def parse(data: bytes, limits: Limits) -> ParsedFile:
    """Decode and split the file into rows by column. Raises CsvFileError."""
    text, encoding = decode(data, limits)
    delimiter = _choose_delimiter(text)
    rows = [
        (line, cells) for line, cells in _rows(text, delimiter) if any(c.strip() for c in cells)
    ]
    header_line, header = rows[0]
    columns = _columns(header, header_line)
    width = len(columns)
    records: list[Record] = []
    for line, cells in rows[1:]:
        values = {column: "" for column in COLUMNS}
        shape: list[str] = []
        for index, cell in enumerate(cells):
            value = cell.strip()
            column = columns[index] if index < width else None
            if column is not None:
                values[column] = value
            elif value and index < width:
                shape.append(
                    _(
                        "The value in column %(n)s has no column name in the header.",
                        n=index + 1,
                    )
                )
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            shape.append(
                _(
                    "Too many columns: this row has %(found)s values, the header names "
                    "%(expected)s columns.",
                    found=len(cells),
                    expected=width,
                )
            )
        records.append(Record(line=line, values=values, problems=tuple(shape)))
    if not records:
        raise CsvFileError(_("The file has a header but no rows of people under it."))
    if len(records) > limits.max_rows:
        raise CsvFileError(
            _(
                "The file has %(n)s rows of people: at most %(max)s can be imported at once. "
                "Split it into smaller files.",
                n=format_decimal(len(records)),
                max=format_decimal(limits.max_rows),
            )
        )
    return ParsedFile(
        encoding=encoding,
        delimiter=delimiter,
        columns=tuple(c for c in columns if c),
        records=records,
    )


def language_code(value: str) -> str | None:
    """``en``, ``ko`` or ``zh`` for a code, tag or language name; None if not one of ours."""
    cleaned = value.strip()
    return LANGUAGE_ALIASES.get(cleaned.casefold()) or normalise(cleaned)


# Checking ------------------------------------------------------------------------------------


@dataclass
class _World:
    """What the rows are checked against, loaded in a fixed number of queries."""

    organisations: dict[str, Organisation]
    cohorts: dict[str, list[tuple[Cohort, set[int]]]]
    users: dict[str, User]
    memberships: set[tuple[int, int]]
    participations: set[tuple[int, int]]


def _load_world(session: Session, actor: User | None, emails: list[str]) -> _World:
    organisations = {org.name_key: org for org in scope.visible_organisations(session, actor)}
    cohorts: dict[str, list[tuple[Cohort, set[int]]]] = defaultdict(list)
    for cohort in session.scalars(
        select(Cohort)
        .where(scope.cohort_condition(actor))
        .options(selectinload(Cohort.cohort_organisations))
        .order_by(Cohort.id)
    ):
        org_ids = {link.organisation_id for link in cohort.cohort_organisations}
        cohorts[name_key(cohort.name)].append((cohort, org_ids))
    users: dict[str, User] = {}
    unique = sorted(set(emails))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        for user in session.scalars(select(User).where(User.email.in_(chunk))):
            users[user.email] = user
    user_ids = [user.id for user in users.values()]
    memberships: set[tuple[int, int]] = set()
    participations: set[tuple[int, int]] = set()
    for start in range(0, len(user_ids), _CHUNK):
        chunk_ids = user_ids[start : start + _CHUNK]
        memberships.update(
            session.execute(
                select(OrganisationMember.user_id, OrganisationMember.organisation_id).where(
                    OrganisationMember.user_id.in_(chunk_ids)
                )
            ).tuples()
        )
        participations.update(
            session.execute(
                select(CohortParticipant.user_id, CohortParticipant.cohort_id).where(
                    CohortParticipant.user_id.in_(chunk_ids)
                )
            ).tuples()
        )
    return _World(organisations, cohorts, users, memberships, participations)


def _candidate_email(value: str) -> str:
    return accounts.normalise_email(value)


def plan_import(session: Session, data: bytes, actor: User | None, limits: Limits) -> ImportPlan:
    """The dry run: check every row against the database and ``actor``'s scope.

    Changes nothing. Raises CsvFileError when the file as a whole cannot be used.
    """
    parsed = parse(data, limits)
    world = _load_world(
        session, actor, [_candidate_email(r.values["email"]) for r in parsed.records]
    )
    plan = ImportPlan(parsed=parsed)
    first_line_of: dict[str, int] = {}
    for record in parsed.records:
        problems, row = _check_row(record, world, first_line_of)
        plan.problems.extend(problems)
        if row is not None:
            plan.rows.append(row)
    return plan


def _check_row(
    record: Record, world: _World, first_line_of: dict[str, int]
) -> tuple[list[RowProblem], PlannedRow | None]:
    """The row's problems, or what importing it will do."""
    problems: list[RowProblem] = [
        RowProblem(record.line, None, message) for message in record.problems
    ]

    def problem(column: str, message: str) -> None:
        problems.append(RowProblem(record.line, column, message))

    values = record.values
    name = " ".join(values["name"].split())
    if not name:
        problem("name", _("The name is missing."))
    elif len(name) > accounts.NAME_MAX_LENGTH:
        problem(
            "name",
            _("The name has more than %(n)s characters.", n=accounts.NAME_MAX_LENGTH),
        )

    email = ""
    if not values["email"]:
        problem("email", _("The e-mail address is missing."))
    else:
        try:
            email = accounts.check_email(values["email"])
        except accounts.InvalidEmail:
            problem(
                "email",
                _("“%(value)s” is not a valid e-mail address.", value=values["email"]),
            )
        else:
            if email in first_line_of:
                problem(
                    "email",
                    _(
                        "The e-mail address %(email)s is already on line %(line)s: "
                        "each person can appear only once.",
                        email=email,
                        line=first_line_of[email],
                    ),
                )
            else:
                first_line_of[email] = record.line

    language = DEFAULT_LANGUAGE
    if values["preferred_language"]:
        code = language_code(values["preferred_language"])
        if code is None:
            problem(
                "preferred_language",
                _(
                    "Unknown language “%(value)s”: use en (English), ko (Korean) or zh (Chinese).",
                    value=values["preferred_language"],
                ),
            )
        else:
            language = code

    organisation: Organisation | None = None
    if not values["organisation"]:
        problem("organisation", _("The organisation is missing."))
    else:
        organisation = world.organisations.get(name_key(values["organisation"]))
        if organisation is None:
            # One message for unknown and out-of-scope: it reveals no other organisations.
            problem(
                "organisation",
                _(
                    "No organisation called “%(value)s” among the organisations you manage.",
                    value=values["organisation"],
                ),
            )

    cohort: Cohort | None = None
    if values["cohort"]:
        found = world.cohorts.get(name_key(values["cohort"]), [])
        if not found:
            problem(
                "cohort",
                _(
                    "No cohort called “%(value)s” among the cohorts you manage.",
                    value=values["cohort"],
                ),
            )
        elif organisation is not None:
            matching = [c for c, org_ids in found if organisation.id in org_ids]
            if not matching:
                problem(
                    "cohort",
                    _(
                        "The cohort “%(cohort)s” does not include the organisation "
                        "“%(organisation)s”.",
                        cohort=values["cohort"],
                        organisation=organisation.name,
                    ),
                )
            elif len(matching) > 1:
                problem(
                    "cohort",
                    _(
                        "Several cohorts of “%(organisation)s” are called “%(cohort)s”: "
                        "rename one of them so that the file can tell them apart.",
                        cohort=values["cohort"],
                        organisation=organisation.name,
                    ),
                )
            else:
                cohort = matching[0]

    if problems:
        return problems, None
    assert organisation is not None
    user = world.users.get(email)
    return [], (
        PlannedRow(
            line=record.line,
            name=name,
            email=email,
            language=language,
            organisation=organisation,
            cohort=cohort,
            user=user,
            joins_organisation=user is None or (user.id, organisation.id) not in world.memberships,
            joins_cohort=cohort is not None
            and (user is None or (user.id, cohort.id) not in world.participations),
        )
    )


def commit_import(
    session: Session, data: bytes, actor: User | None, limits: Limits
) -> ImportResult:
    """Check the file again and import all of it, or nothing (one SAVEPOINT).

    New accounts are invited (send their invitations after committing). Raises
    CsvFileError, ImportHasProblems; a concurrent change of the same people surfaces as
    sqlalchemy's IntegrityError, with nothing written.
    """
    plan = plan_import(session, data, actor, limits)
    if not plan.ok:
        raise ImportHasProblems(plan)
    created: list[User] = []
    with session.begin_nested():
        users: dict[int, User] = {}
        for index, row in enumerate(plan.rows):
            if row.user is None:
                user = new_invited_user(
                    email=row.email, name=row.name, preferred_language=row.language
                )
                session.add(user)
                created.append(user)
                users[index] = user
            else:
                users[index] = row.user
        session.flush()
        memberships = participations = 0
        for user in created:
            session.add(Invitation(user_id=user.id, invited_by_id=actor.id if actor else None))
        for index, row in enumerate(plan.rows):
            user = users[index]
            if row.joins_organisation:
                session.add(
                    OrganisationMember(organisation_id=row.organisation.id, user_id=user.id)
                )
                memberships += 1
            if row.joins_cohort and row.cohort is not None:
                session.add(CohortParticipant(cohort_id=row.cohort.id, user_id=user.id))
                participations += 1
        session.flush()
    return ImportResult(
        created=created,
        updated=plan.count("update"),
        unchanged=plan.count("unchanged"),
        memberships_added=memberships,
        participations_added=participations,
    )
