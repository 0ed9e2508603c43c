"""The completion matrix: statuses, scope, filters, sorting, paging and a fixed query count."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import Role, User
from lms.content.models import ModuleVersion
from lms.coordination.models import Cohort, CohortParticipant, Organisation, OrganisationMember
from lms.coordination.reports import (
    CellStatus,
    ReportFilters,
    SortKey,
    matrix_page,
    matrix_totals,
)
from lms.courses.models import LessonProgress
from lms.quiz.models import Completion
from tests.conftest import sign_in
from tests.coordination.reports_world import (
    BASICS,
    FORMULA,
    FUTURE_DUE,
    IDENTIFY,
    NOW,
    PAST_DUE,
    REFERRAL,
    TODAY,
    ReportWorld,
    at,
    build_report_world,
    certify,
)
from tests.factories import make_completion, make_user


@pytest.fixture
def world(session: Session) -> ReportWorld:
    return build_report_world(session)


def statuses(session: Session, actor: User, **filters: Any) -> dict[str, dict[str, str]]:
    """{name: {module id: status}} of the first page."""
    page = matrix_page(session, actor, ReportFilters(**filters), now=NOW)
    return {
        row.name: {module_id: cell.status.value for module_id, cell in row.cells.items()}
        for row in page.rows
    }


def names_in(html: str) -> list[str]:
    """The trainee names of the matrix rows, in order."""
    return re.findall(r'<th scope="row"><a href="/coordination/people/\d+">([^<]+)</a>', html)


# Statuses and scope ---------------------------------------------------------------------------


def test_each_cell_follows_the_status_rule(session: Session, world: ReportWorld) -> None:
    found = statuses(session, world.coordinator)
    assert found == {
        FORMULA: {
            BASICS: "completed",
            IDENTIFY: "not_started",
        },
        "Ahn Expired": {BASICS: "expired", IDENTIFY: "not_started"},
        "Both Orgs": {BASICS: "overdue", IDENTIFY: "not_started"},
        "王芳": {BASICS: "overdue", IDENTIFY: "not_started"},
        "김민지": {BASICS: "completed", IDENTIFY: "in_progress"},
    }


def test_cells_carry_dates_and_lesson_counts(session: Session, world: ReportWorld) -> None:
    page = matrix_page(session, world.coordinator, ReportFilters(), now=NOW)
    minji = next(row for row in page.rows if row.user_id == world.minji.id)
    basics, identify = minji.cells[BASICS], minji.cells[IDENTIFY]
    assert basics.completed_at == at(TODAY - timedelta(days=12))
    assert (basics.lessons_done, basics.lessons_total) == (3, 3)
    assert (identify.lessons_done, identify.lessons_total, identify.due_on) == (1, 2, FUTURE_DUE)
    expired = next(row for row in page.rows if row.user_id == world.expired.id)
    assert expired.cells[BASICS].certificate_expires_at == at(TODAY - timedelta(days=5))
    assert minji.completed == 1 and expired.completed == 1


def test_lessons_opened_that_the_module_no_longer_has_do_not_count(
    session: Session, world: ReportWorld
) -> None:
    session.add(LessonProgress(user_id=world.wang.id, module_id=IDENTIFY, lesson_key="00-old"))
    session.commit()
    page = matrix_page(session, world.coordinator, ReportFilters(), now=NOW)
    wang = next(row for row in page.rows if row.user_id == world.wang.id)
    cell = wang.cells[IDENTIFY]
    assert (cell.status, cell.lessons_done, cell.lessons_total) == (CellStatus.in_progress, 0, 2)


def test_a_revoked_newer_certificate_leaves_the_expired_one_as_latest(
    session: Session, world: ReportWorld
) -> None:
    newer = make_completion(
        session, world.expired, world.basics, completed_at=at(TODAY - timedelta(days=1)),
        module_version_id=world.basics.id + 1,  # the Korean version
        language="ko",
    )  # fmt: skip
    certificate = certify(session, newer, at(TODAY + timedelta(days=365)), "CCCCCCCCCCCCCCCCC")
    assert statuses(session, world.coordinator)["Ahn Expired"][BASICS] == "completed"
    certificate.revoked_at = NOW
    session.commit()
    assert statuses(session, world.coordinator)["Ahn Expired"][BASICS] == "expired"


def test_coordinator_sees_only_their_people_and_cohorts(
    session: Session, world: ReportWorld
) -> None:
    page = matrix_page(session, world.coordinator, ReportFilters(), now=NOW)
    ids = {row.user_id for row in page.rows}
    # li belongs to theirs; outsider too, although a participant of my cohort.
    assert world.li.id not in ids and world.outsider.id not in ids
    # The joint cohort (mine and theirs) is not the coordinator's: its module is not shown.
    assert set(page.totals) == {BASICS, IDENTIFY}
    both = next(row for row in page.rows if row.user_id == world.both.id)
    assert both.organisations == ("Hana Centre Busan",)


def test_admin_sees_every_assignment(session: Session, world: ReportWorld) -> None:
    found = statuses(session, world.admin)
    assert found["李伟"] == {BASICS: "completed", REFERRAL: "not_started"}
    assert found["김민지"][REFERRAL] == "not_started"
    assert found["Outsider Theirs"][BASICS] == "completed"
    page = matrix_page(session, world.admin, ReportFilters(), now=NOW)
    both = next(row for row in page.rows if row.user_id == world.both.id)
    assert both.organisations == ("Hana Centre Busan", "Sunflower Shelter")


def test_totals_count_every_matching_trainee(session: Session, world: ReportWorld) -> None:
    totals = matrix_totals(session, world.coordinator, ReportFilters(), now=NOW)
    assert {m: (t.completed, t.assigned) for m, t in totals.items()} == {
        BASICS: (3, 5),  # minji, formula, expired (a completion whose certificate expired)
        IDENTIFY: (0, 5),
    }


def test_a_module_assigned_by_two_cohorts_counts_once(session: Session, world: ReportWorld) -> None:
    # "Both Orgs" has trafficking basics from my cohort and from theirs (an admin sees both).
    make_completion(session, world.both, world.basics, completed_at=at(TODAY))
    session.commit()
    totals = matrix_totals(session, world.admin, ReportFilters(), now=NOW)
    assert {m: (t.completed, t.assigned) for m, t in totals.items()} == {
        BASICS: (6, 7),
        IDENTIFY: (0, 6),
        REFERRAL: (0, 2),
    }
    # Half done: basics (once) of basics and identification.
    order = list(statuses(session, world.admin, sort=SortKey.progress, descending=True))
    assert order == [
        FORMULA,
        "Ahn Expired",
        "Both Orgs",
        "Outsider Theirs",
        "李伟",
        "김민지",
        "王芳",
    ]


def test_totals_follow_the_status_filter(session: Session, world: ReportWorld) -> None:
    filters = ReportFilters(status=CellStatus.overdue)
    totals = matrix_totals(session, world.admin, filters, now=NOW)
    # Wang and "Both Orgs" have an overdue module; the totals count all their assignments.
    assert {m: (t.completed, t.assigned) for m, t in totals.items()} == {
        BASICS: (0, 2),
        IDENTIFY: (0, 2),
    }
    assert matrix_page(session, world.admin, filters, now=NOW).row_count == 2


# Filters ---------------------------------------------------------------------------------------


FILTER_CASES: list[tuple[dict[str, Any], set[str]]] = [
    ({"status": CellStatus.overdue}, {"王芳", "Both Orgs"}),
    ({"status": CellStatus.expired}, {"Ahn Expired"}),
    ({"status": CellStatus.in_progress}, {"김민지"}),
    ({"status": CellStatus.not_started, "module_id": BASICS}, set()),
    ({"status": CellStatus.completed, "module_id": IDENTIFY}, set()),
    ({"language": "ko"}, {"김민지"}),
    ({"due_to": PAST_DUE, "status": CellStatus.completed}, {"김민지", FORMULA}),
    ({"due_from": PAST_DUE + timedelta(days=1), "status": CellStatus.overdue}, set()),
    ({"completed_from": TODAY - timedelta(days=4)}, {FORMULA}),
    ({"completed_to": TODAY - timedelta(days=100)}, {"Ahn Expired"}),
]


def test_filters_pick_trainees_with_a_matching_assignment(
    session: Session, world: ReportWorld
) -> None:
    for filters, expected in FILTER_CASES:
        assert set(statuses(session, world.coordinator, **filters)) == expected, filters


def test_module_filter_keeps_one_column(session: Session, world: ReportWorld) -> None:
    page = matrix_page(session, world.admin, ReportFilters(module_id=REFERRAL), now=NOW)
    assert {row.name for row in page.rows} == {"김민지", "李伟"}
    assert all(set(row.cells) == {REFERRAL} for row in page.rows)
    assert set(page.totals) == {REFERRAL}


def test_cohort_and_organisation_filters(session: Session, world: ReportWorld) -> None:
    by_cohort = statuses(session, world.admin, cohort_id=world.their_cohort.id)
    assert by_cohort == {"李伟": {BASICS: "completed"}, "Both Orgs": {BASICS: "overdue"}}
    by_organisation = statuses(session, world.admin, organisation_id=world.theirs.id)
    assert set(by_organisation) == {"李伟", "Both Orgs", "Outsider Theirs"}


# Sorting ----------------------------------------------------------------------------------------


def test_sorting_by_name_organisation_and_progress(session: Session, world: ReportWorld) -> None:
    def order(**filters: Any) -> list[str]:
        return list(statuses(session, world.admin, **filters))

    by_name = order()
    assert by_name == sorted(by_name, key=str.lower)
    assert order(descending=True) == by_name[::-1]
    assert order(sort=SortKey.organisation)[-2:] == ["Outsider Theirs", "李伟"]
    # Half done (ties by name), a third done with lessons opened, nothing done.
    most = [FORMULA, "Ahn Expired", "Outsider Theirs", "李伟", "김민지", "Both Orgs", "王芳"]
    assert order(sort=SortKey.progress, descending=True) == most
    least = order(sort=SortKey.progress)
    assert least == [
        "Both Orgs",
        "王芳",
        "김민지",
        FORMULA,
        "Ahn Expired",
        "Outsider Theirs",
        "李伟",
    ]


# The page --------------------------------------------------------------------------------------


def test_page_shows_labels_and_totals(client: FlaskClient, world: ReportWorld) -> None:
    sign_in(client, world.coordinator)
    response = client.get("/coordination/matrix")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert names_in(html) == sorted(names_in(html), key=str.lower)
    assert "Trafficking basics" in html and "Identifying victims" in html
    assert "In progress" in html and "1/2 lessons" in html and "Overdue" in html
    assert "Certificate expired" in html and "Not started" in html
    assert "3 / 5" in html  # totals row of basics
    for hidden in ("李伟", "Outsider Theirs", "Sunflower Shelter", "Joint training"):
        assert hidden not in html


def test_filters_outside_the_scope_answer_404(client: FlaskClient, world: ReportWorld) -> None:
    sign_in(client, world.coordinator)
    queries = [
        f"organisation={world.theirs.id}",
        "organisation=999999",
        "organisation=abc",
        f"cohort={world.their_cohort.id}",
        f"cohort={world.shared_cohort.id}",  # mine and theirs: not the coordinator's
        "module=no-such-module",
    ]
    paths = [
        "/coordination/matrix",
        "/coordination/matrix.csv",
        "/coordination/matrix.xlsx",
        "/coordination/completions.csv",
        "/coordination/completions.xlsx",
    ]
    for path in paths:
        for query in queries:
            assert client.get(f"{path}?{query}").status_code == 404, (path, query)
    for page in ("0", "x", "2", "-1", "²", "99999999999999999999"):
        assert client.get(f"/coordination/matrix?page={page}").status_code == 404, page
    response = client.get(f"/coordination/matrix?cohort={world.my_cohort.id}")
    assert response.status_code == 200
    assert f'<option value="{world.my_cohort.id}" selected>' in response.get_data(as_text=True)


def test_admin_may_filter_by_any_organisation(client: FlaskClient, world: ReportWorld) -> None:
    sign_in(client, world.admin)
    response = client.get(f"/coordination/matrix?organisation={world.theirs.id}")
    assert response.status_code == 200
    assert set(names_in(response.get_data(as_text=True))) == {
        "李伟", "Both Orgs", "Outsider Theirs"
    }  # fmt: skip


def test_bad_filter_values_are_named_on_the_form(client: FlaskClient, world: ReportWorld) -> None:
    sign_in(client, world.coordinator)
    response = client.get(
        "/coordination/matrix?due_from=2025-13-40&status=lost&due_to=&completed_from=2025-03-10"
        "&completed_to=2025-03-01&language=fr"
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a date like 2025-03-31." in html
    assert "Choose a status from the list." in html
    assert "This date is before the first date of the range." in html
    assert "Choose one of the languages in the list." in html
    assert names_in(html) == []


def test_trainees_may_not_open_the_matrix(client: FlaskClient, world: ReportWorld) -> None:
    sign_in(client, world.minji)
    assert client.get("/coordination/matrix").status_code == 403
    assert client.get("/coordination/matrix.csv").status_code == 403


def test_a_coordinator_without_organisations_sees_nobody(
    client: FlaskClient, session: Session, world: ReportWorld
) -> None:
    lonely = make_user(session, role=Role.coordinator, name="Lonely")
    session.commit()
    sign_in(client, lonely)
    response = client.get("/coordination/matrix")
    assert response.status_code == 200
    assert names_in(response.get_data(as_text=True)) == []


# Paging and query count -------------------------------------------------------------------------


def add_trainees(session: Session, organisation: Organisation, cohort: Cohort, n: int) -> None:
    """``n`` more members of ``organisation`` in ``cohort``, every second one with basics done."""
    version_id = session.scalar(
        select(ModuleVersion.id).where(
            ModuleVersion.module_id == BASICS, ModuleVersion.language == "en"
        )
    )
    assert version_id is not None
    start = session.scalar(select(func.count()).select_from(User)) or 0
    for i in range(n):
        user = User(email=f"bulk{start + i}@example.org", name=f"Bulk {start + i:04d}")
        user.password_hash = "!"  # never signs in
        session.add(user)
        session.flush()
        session.add(OrganisationMember(organisation_id=organisation.id, user_id=user.id))
        session.add(CohortParticipant(cohort_id=cohort.id, user_id=user.id))
        session.add(LessonProgress(user_id=user.id, module_id=IDENTIFY, lesson_key="01-a"))
        if i % 2:
            session.add(
                Completion(
                    user_id=user.id, module_id=BASICS, module_version_id=version_id,
                    language="en", completed_at=NOW, score=80.0,
                )
            )  # fmt: skip
    session.commit()


def test_query_count_does_not_grow_with_the_rows(
    client: FlaskClient,
    session: Session,
    world: ReportWorld,
    count_queries: Callable[[], AbstractContextManager[list[str]]],
) -> None:
    sign_in(client, world.coordinator)
    counts = []
    for more in (0, 55):  # 5 trainees, then 60 (a full first page of 50)
        add_trainees(session, world.mine, world.my_cohort, more)
        for query in ("", "?status=overdue&sort=progress&order=desc", "?sort=organisation"):
            with count_queries() as statements:
                response = client.get("/coordination/matrix" + query)
            assert response.status_code == 200
            counts.append(len(statements))
    html = response.get_data(as_text=True)
    assert len(names_in(html)) == 50
    assert counts[:3] == counts[3:], counts
    assert max(counts) <= 12, counts


def test_page_links_keep_the_filters(
    client: FlaskClient, session: Session, world: ReportWorld
) -> None:
    add_trainees(session, world.mine, world.my_cohort, 60)
    sign_in(client, world.coordinator)
    response = client.get(f"/coordination/matrix?module={IDENTIFY}&status=in_progress&order=desc")
    html = response.get_data(as_text=True)
    assert len(names_in(html)) == 50
    assert "page 1 of 2" in html
    link = re.search(r'href="([^"]*page=2[^"]*)"', html)
    assert link is not None
    target = link.group(1).replace("&amp;", "&")
    for part in (f"module={IDENTIFY}", "status=in_progress", "order=desc"):
        assert part in target
    second = client.get(target).get_data(as_text=True)
    # 61 trainees have opened a lesson of IDENTIFY: minji and the 60 added.
    assert len(names_in(second)) == 11
    assert not set(names_in(second)) & set(names_in(html))
