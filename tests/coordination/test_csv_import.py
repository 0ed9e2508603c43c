"""CSV import: reading every kind of file Excel writes, the dry run's problems by exact line,
the all-or-nothing commit, and committing the same file twice."""

from __future__ import annotations

import codecs
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.coordination import csv_import
from lms.coordination.csv_import import CsvFileError, Limits, commit_import, plan_import
from lms.coordination.invitations import has_usable_password
from lms.coordination.models import CohortParticipant, Invitation, OrganisationMember
from tests.coordination.helpers import World, build_world, snapshot
from tests.factories import make_cohort, make_user

LIMITS = Limits(max_bytes=5 * 1024 * 1024, max_rows=5000)
HEADER = "name,email,organisation,preferred_language,cohort"


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture(autouse=True)
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():  # messages are translated (English here)
        yield


def lines(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def problems(plan: csv_import.ImportPlan) -> list[tuple[int, str | None]]:
    return [(p.line, p.column) for p in plan.problems]


# Reading files -------------------------------------------------------------------------------

KOREAN_ROWS = [
    HEADER,
    "김민지,minji@example.org,Hana Centre Busan,ko,Busan spring",
    "李伟,li.wei@example.org,Hana Centre Busan,zh,",
    "박수연,suyeon@example.org,hana centre busan,,",
]


@pytest.mark.parametrize(
    ("encoded", "encoding", "delimiter"),
    [
        pytest.param("\n".join(KOREAN_ROWS).encode(), "UTF-8", ",", id="utf8"),
        pytest.param(codecs.BOM_UTF8 + "\r\n".join(KOREAN_ROWS).encode(), "UTF-8", ",",
                     id="utf8-bom-crlf"),
        pytest.param("\r\n".join(r.replace(",", ";") for r in KOREAN_ROWS).encode(), "UTF-8",
                     ";", id="excel-semicolon-crlf"),
        pytest.param(("\r\n".join(r.replace(",", "\t") for r in KOREAN_ROWS) + "\r\n")
                     .encode("utf-16"), "UTF-16", "\t", id="excel-unicode-text-utf16-tabs"),
        pytest.param(codecs.BOM_UTF16_BE + "\n".join(KOREAN_ROWS).encode("utf-16-be"),
                     "UTF-16", ",", id="utf16-be"),
        pytest.param("\r".join(KOREAN_ROWS).encode(), "UTF-8", ",", id="old-mac-cr"),
    ],
)  # fmt: skip
def test_every_excel_flavour_reads_the_same_hangul_and_hanzi_rows(
    session: Session, world: World, encoded: bytes, encoding: str, delimiter: str
) -> None:
    plan = plan_import(session, encoded, world.coordinator, LIMITS)
    assert plan.problems == []
    assert plan.parsed.encoding == encoding
    assert plan.parsed.delimiter == delimiter
    assert [(r.line, r.name, r.email, r.language) for r in plan.rows] == [
        (2, "김민지", "minji@example.org", "ko"),
        (3, "李伟", "li.wei@example.org", "zh"),
        (4, "박수연", "suyeon@example.org", "en"),  # no language given: English
    ]
    assert plan.rows[0].cohort is not None and plan.rows[0].cohort.id == world.my_cohort.id
    assert {r.organisation.id for r in plan.rows} == {world.mine.id}


def test_korean_and_chinese_header_names_and_any_case_are_understood(
    session: Session, world: World
) -> None:
    for header in ("이름,이메일,기관,언어,기수", "姓名,电子邮件,机构,语言,班级",
                   "NAME,E-mail,Organization,Preferred Language,COHORT"):  # fmt: skip
        data = lines(header, "김민지,minji@example.org,Hana Centre Busan,한국어,Busan spring")
        plan = plan_import(session, data, world.coordinator, LIMITS)
        assert plan.problems == [], header
        assert plan.rows[0].language == "ko"


def test_a_quoted_value_may_hold_the_delimiter_and_a_line_break(
    session: Session, world: World
) -> None:
    data = lines(
        HEADER,
        '"Kim, Min-ji",minji@example.org,Hana Centre Busan,ko,',
        '"Li',
        'Wei",li@example.org,Hana Centre Busan,zh,',
        "Bad,not-an-email,Hana Centre Busan,,",
    )
    plan = plan_import(session, data, world.coordinator, LIMITS)
    assert [r.name for r in plan.rows] == ["Kim, Min-ji", "Li Wei"]
    # The record that spans lines 3-4 starts on line 3; the next one is line 5.
    assert [r.line for r in plan.rows] == [2, 3]
    assert problems(plan) == [(5, "email")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (codecs.BOM_UTF8 + b"\r\n\r\n", "The file is empty."),
        (HEADER.encode() + b"\n", "no rows of people"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not a CSV file"),
        ("name,email,organisation\nKim,k@example.org,Hana".encode("cp949") + "김".encode("cp949"),
         "not in UTF-8"),
        (b"name,email,organisation,phone\n", "“phone” is not a column"),
        (b"name,organisation\n", "the column “email” is missing"),
        (b"name,email,E-mail,organisation\n", "appears twice"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_used_is_refused_as_a_whole_with_a_clear_message(
    session: Session, world: World, data: bytes, message: str
) -> None:
    with pytest.raises(CsvFileError) as caught:
        plan_import(session, data, world.coordinator, LIMITS)
    assert message in str(caught.value)


def test_files_over_the_size_or_row_limits_are_refused(session: Session, world: World) -> None:
    rows = [HEADER] + [f"P{i},p{i}@example.org,Hana Centre Busan,," for i in range(6)]
    data = lines(*rows)
    with pytest.raises(CsvFileError, match="at most 5 can be imported"):
        plan_import(session, data, world.coordinator, Limits(max_bytes=10_000, max_rows=5))
    with pytest.raises(CsvFileError, match=r"too large \(0\.1 MB\): at most 0\.1 MB"):
        plan_import(session, b"x" * 100_001, world.coordinator, Limits(100_000, 5000))


def test_the_default_limits_are_five_megabytes_and_five_thousand_rows(app: Flask) -> None:
    limits = Limits.from_config(app.config)
    assert limits == Limits(max_bytes=5 * 1024 * 1024, max_rows=5000)


# The dry run -----------------------------------------------------------------------------------


def test_the_dry_run_reports_every_bad_row_by_line_and_reason(
    session: Session, world: World
) -> None:
    make_user(session, email="existing@example.org", name="Already Here")
    data = lines(
        HEADER,                                                            # 1
        "Good One,good@example.org,Hana Centre Busan,ko,Busan spring",     # 2
        "Bad Mail,not-an-address,Hana Centre Busan,ko,",                   # 3
        "Unknown Org,u@example.org,Nowhere Centre,ko,",                    # 4
        "Their Org,t@example.org,Sunflower Shelter,zh,",                   # 5: out of scope
        "Bad Lang,l@example.org,Hana Centre Busan,fr,",                    # 6
        "Bad Cohort,c@example.org,Hana Centre Busan,ko,No such cohort",    # 7
        "Dup,GOOD@example.org,Hana Centre Busan,ko,",                      # 8: same as line 2
        ",noname@example.org,Hana Centre Busan,ko,",                       # 9
        "Too Many,many@example.org,Hana Centre Busan,ko,,surplus",         # 10
        "",                                                                # 11: blank, skipped
        "No Org,o@example.org,,en,",                                       # 12
        "Their Cohort,tc@example.org,Hana Centre Busan,en,Shenyang spring",  # 13
        "Shared Cohort,sc@example.org,Hana Centre Busan,en,Joint training",  # 14
        ",,,,",                                                            # 15: blank, skipped
        "No Mail,,Hana Centre Busan,en,",                                  # 16
        "Existing,existing@example.org,Hana Centre Busan,en,Busan spring",  # 17: fine
    )  # fmt: skip
    before = snapshot(session)
    plan = plan_import(session, data, world.coordinator, LIMITS)
    assert snapshot(session) == before  # a dry run changes nothing
    assert problems(plan) == [
        (3, "email"),
        (4, "organisation"),
        (5, "organisation"),
        (6, "preferred_language"),
        (7, "cohort"),
        (8, "email"),
        (9, "name"),
        (10, None),
        (12, "organisation"),
        (13, "cohort"),
        (14, "cohort"),
        (16, "email"),
    ]
    messages = {p.line: p.message for p in plan.problems}
    assert messages[3] == "“not-an-address” is not a valid e-mail address."
    assert messages[4] == (
        "No organisation called “Nowhere Centre” among the organisations you manage."
    )
    # Out of scope reads exactly like unknown: no other organisation is revealed.
    assert messages[5] == (
        "No organisation called “Sunflower Shelter” among the organisations you manage."
    )
    assert messages[6].startswith("Unknown language “fr”")
    assert messages[7] == "No cohort called “No such cohort” among the cohorts you manage."
    assert "already on line 2" in messages[8]
    assert messages[9] == "The name is missing."
    assert messages[10] == "Too many columns: this row has 6 values, the header names 5 columns."
    assert messages[12] == "The organisation is missing."
    assert messages[16] == "The e-mail address is missing."
    assert plan.bad_lines == [3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 16]
    assert [(r.line, r.action) for r in plan.rows] == [(2, "create"), (17, "update")]


def test_a_cohort_must_include_the_rows_organisation(session: Session, world: World) -> None:
    from lms.coordination.services.organisations import assign_organisation

    assign_organisation(session, world.coordinator, world.theirs)
    data = lines(HEADER, "Ann,ann@example.org,Sunflower Shelter,en,Busan spring")
    plan = plan_import(session, data, world.coordinator, LIMITS)
    assert [p.message for p in plan.problems] == [
        "The cohort “Busan spring” does not include the organisation “Sunflower Shelter”."
    ]


def test_two_cohorts_of_one_organisation_with_the_same_name_are_ambiguous(
    session: Session, world: World
) -> None:
    make_cohort(session, (world.mine,), name="busan SPRING")
    data = lines(HEADER, "Ann,ann@example.org,Hana Centre Busan,en,Busan spring")
    plan = plan_import(session, data, world.coordinator, LIMITS)
    assert problems(plan) == [(2, "cohort")]
    assert "Several cohorts" in plan.problems[0].message


# Committing ------------------------------------------------------------------------------------


def test_commit_creates_invited_accounts_memberships_and_cohort_places(
    session: Session, world: World
) -> None:
    existing = make_user(session, email="existing@example.org", name="Kept Name")
    data = lines(
        HEADER,
        "김민지,minji@example.org,Hana Centre Busan,ko,Busan spring",
        "李伟,Li.Wei@Example.org,Hana Centre Busan,zh,",
        "Renamed?,existing@example.org,Hana Centre Busan,zh,Busan spring",
    )
    result = commit_import(session, data, world.coordinator, LIMITS)
    session.commit()
    assert sorted(u.email for u in result.created) == ["li.wei@example.org", "minji@example.org"]
    assert (result.updated, result.unchanged) == (1, 0)
    assert (result.memberships_added, result.participations_added) == (3, 2)
    session.expire_all()
    minji = session.scalars(select(User).where(User.email == "minji@example.org")).one()
    assert (minji.name, minji.preferred_language, minji.role.value) == ("김민지", "ko", "trainee")
    assert not has_usable_password(minji)  # cannot sign in before choosing a password
    invitation = session.scalars(select(Invitation).where(Invitation.user_id == minji.id)).one()
    assert invitation.invited_by_id == world.coordinator.id
    assert invitation.sent_at is None  # sent by the caller, after the commit
    # An existing account is matched by e-mail, joined, and otherwise left alone.
    assert (existing.name, existing.preferred_language) == ("Kept Name", "en")
    assert (
        session.scalar(
            select(func.count()).where(
                OrganisationMember.user_id == existing.id,
                OrganisationMember.organisation_id == world.mine.id,
            )
        )
        == 1
    )
    assert (
        session.scalar(
            select(func.count()).where(
                CohortParticipant.user_id == existing.id,
                CohortParticipant.cohort_id == world.my_cohort.id,
            )
        )
        == 1
    )


def test_committing_the_same_file_again_changes_nothing(session: Session, world: World) -> None:
    data = lines(
        HEADER,
        "김민지,minji@example.org,Hana Centre Busan,ko,Busan spring",
        "李伟,li.wei@example.org,Hana Centre Busan,zh,",
    )
    commit_import(session, data, world.coordinator, LIMITS)
    session.commit()
    before = snapshot(session)
    plan = plan_import(session, data, world.coordinator, LIMITS)
    assert [r.action for r in plan.rows] == ["unchanged", "unchanged"]
    again = commit_import(session, data, world.coordinator, LIMITS)
    session.commit()
    assert again.created == []
    assert (again.updated, again.unchanged, again.memberships_added) == (0, 2, 0)
    assert snapshot(session) == before


def test_a_file_with_one_bad_row_imports_nothing(session: Session, world: World) -> None:
    data = lines(
        HEADER,
        "김민지,minji@example.org,Hana Centre Busan,ko,Busan spring",
        "李伟,li.wei@example.org,Nowhere,zh,",
    )
    before = snapshot(session)
    with pytest.raises(csv_import.ImportHasProblems) as caught:
        commit_import(session, data, world.coordinator, LIMITS)
    assert caught.value.plan.bad_lines == [3]
    assert snapshot(session) == before


def test_a_failure_midway_through_the_commit_leaves_nothing_behind(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or nothing: an error after some rows were written rolls all of them back."""
    data = lines(
        HEADER,
        "김민지,minji@example.org,Hana Centre Busan,ko,Busan spring",
        "李伟,li.wei@example.org,Hana Centre Busan,zh,",
    )
    before = snapshot(session)
    real = csv_import.CohortParticipant

    def explode(**_kwargs: object) -> object:
        raise RuntimeError("disk full")

    monkeypatch.setattr(csv_import, "CohortParticipant", explode)
    with pytest.raises(RuntimeError):
        commit_import(session, data, world.coordinator, LIMITS)
    monkeypatch.setattr(csv_import, "CohortParticipant", real)
    assert snapshot(session) == before


def test_an_admin_or_the_command_line_may_import_into_any_organisation(
    session: Session, world: World
) -> None:
    data = lines(HEADER, "Ann,ann@example.org,Sunflower Shelter,en,Shenyang spring")
    for actor in (world.admin, None):
        plan = plan_import(session, data, actor, LIMITS)
        assert plan.problems == []
        assert plan.rows[0].cohort is not None
        assert plan.rows[0].cohort.id == world.their_cohort.id


@pytest.mark.parametrize(
    ("value", "code"),
    [("ko", "ko"), ("KO", "ko"), ("ko-KR", "ko"), ("Korean", "ko"), ("한국어", "ko"),
     ("zh-Hans-CN", "zh"), ("中文", "zh"), ("Chinese", "zh"), ("en_GB", "en"),
     ("English", "en"), ("fr", None), ("klingon", None)],
)  # fmt: skip
def test_language_codes_tags_and_names(value: str, code: str | None) -> None:
    assert csv_import.language_code(value) == code
