"""The coordinators' dashboard: figures, scope, filters, charts and a fixed number of queries."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lms.coordination import charts
from lms.coordination.dashboard import (
    Filters,
    Status,
    bucket_start,
    build_dashboard,
    timeline_window,
)
from lms.coordination.services.scope import visible_organisations
from lms.db import utcnow
from tests.conftest import sign_in
from tests.coordination.dashboard_helpers import (
    BASICS,
    IDENTIFY,
    World,
    at,
    build_world,
    complete,
    open_lessons,
    participate,
    today,
)
from tests.factories import make_coordinator, make_member

URL = "/coordination/dashboard"


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def figure(html: str, name: str) -> str:
    found = re.search(rf'id="figure-{name}">([^<]*)<', html)
    assert found, f"no figure {name} on the page"
    return found.group(1)


def page(client: FlaskClient, **params: Any) -> str:
    response = client.get(URL, query_string=params)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# Figures ----------------------------------------------------------------------------------------


def test_figures_follow_the_status_rule(app: Flask, session: Session, world: World) -> None:
    with app.test_request_context():
        orgs = visible_organisations(session, world.coordinator)
        data = build_dashboard(session, world.coordinator, Filters(), orgs)
    assert data.trainees == 4
    assert dict(data.totals.counts) == {
        Status.completed: 1,
        Status.certificate_expired: 1,
        Status.overdue: 2,
        Status.in_progress: 1,
        Status.not_started: 3,
    }
    assert data.totals.assigned == 8
    assert data.totals.rate == pytest.approx(0.25)
    by_org = {row.organisation.name: row.tally for row in data.organisations}
    assert set(by_org) == {world.mine.name, world.second.name}
    assert by_org[world.mine.name].assigned == 6
    assert by_org[world.mine.name].completed == 2
    assert by_org[world.second.name].overdue == 1
    assert by_org[world.second.name].rate == 0
    by_module = {row.module_id: row.tally for row in data.modules}
    assert by_module[BASICS].rate == pytest.approx(0.5)
    assert by_module[IDENTIFY][Status.in_progress] == 1
    assert data.timeline.granularity == "month"
    assert data.timeline.total == 1  # minji this month; "expired" completed 800 days ago


def test_page_shows_the_coordinators_figures_only(client: FlaskClient, world: World) -> None:
    html = page(sign_in(client, world.coordinator))
    assert figure(html, "trainees") == "4"
    assert figure(html, "assigned") == "8"
    assert figure(html, "completed") == "2"
    assert figure(html, "rate") == "25%"
    assert figure(html, "overdue") == "2"
    assert figure(html, "expiring") == "0"  # li's certificate expires soon, but li is theirs
    assert world.mine.name in html and world.second.name in html
    assert world.theirs.name not in html
    assert "Shenyang spring" not in html


def test_admin_sees_every_organisation(client: FlaskClient, world: World) -> None:
    html = page(sign_in(client, world.admin))
    assert figure(html, "trainees") == "5"
    assert figure(html, "assigned") == "9"
    assert figure(html, "expiring") == "1"
    assert world.theirs.name in html


def test_other_coordinator_sees_their_own(client: FlaskClient, world: World) -> None:
    html = page(sign_in(client, world.other))
    assert figure(html, "trainees") == "1"
    assert figure(html, "completed") == "1"
    assert figure(html, "rate") == "100%"
    assert world.mine.name not in html


@pytest.mark.parametrize("role", ["trainee", "anonymous"])
def test_trainees_and_strangers_cannot_open_it(
    client: FlaskClient, world: World, role: str
) -> None:
    if role == "trainee":
        sign_in(client, world.minji)
        assert client.get(URL).status_code == 403
    else:
        response = client.get(URL)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


# Filters ----------------------------------------------------------------------------------------


def test_organisation_filter_narrows_every_figure(client: FlaskClient, world: World) -> None:
    html = page(sign_in(client, world.coordinator), organisation=world.second.id)
    assert figure(html, "trainees") == "1"
    assert figure(html, "assigned") == "2"
    assert figure(html, "rate") == "0%"


def test_period_filter_picks_cohorts_running_in_it(client: FlaskClient, world: World) -> None:
    sign_in(client, world.coordinator)
    after = (today() + timedelta(days=1)).isoformat()
    html = page(client, start=after)
    assert figure(html, "assigned") == "0"
    assert figure(html, "trainees") == "0"
    during = (today() - timedelta(days=20)).isoformat()
    html = page(client, start=during, end=during)
    assert figure(html, "assigned") == "8"


def test_cohort_filter(client: FlaskClient, world: World) -> None:
    html = page(sign_in(client, world.coordinator), cohort=world.my_cohort.id)
    assert figure(html, "assigned") == "8"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("organisation", "theirs"),
        ("cohort", "theirs"),
        ("organisation", "abc"),
        ("cohort", "999999"),
        ("organisation", "-1"),
    ],
)
def test_filters_cannot_widen_the_scope(
    client: FlaskClient, world: World, key: str, value: str
) -> None:
    if value == "theirs":
        value = str(world.theirs.id if key == "organisation" else world.their_cohort.id)
    sign_in(client, world.coordinator)
    assert client.get(URL, query_string={key: value}).status_code == 404


def test_unreadable_dates_are_reported_and_ignored(client: FlaskClient, world: World) -> None:
    sign_in(client, world.coordinator)
    html = page(client, start="31/03/2025")
    assert "Enter a date like 2025-03-31." in html
    assert figure(html, "assigned") == "8"
    html = page(client, start="2025-05-01", end="2025-04-01")
    assert "The end of the period must be on or after its start." in html


# Charts -----------------------------------------------------------------------------------------


def test_charts_are_inline_svg_with_titles_and_tables(client: FlaskClient, world: World) -> None:
    html = page(sign_in(client, world.coordinator))
    for chart_id in ("chart-organisations", "chart-modules", "chart-timeline"):
        svg = re.search(rf'<svg class="chart [^"]*" id="{chart_id}".*?</svg>', html, re.S)
        assert svg, chart_id
        assert 'role="img"' in svg.group(0)
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg.group(0)
        assert re.search(rf'<title id="{chart_id}-title">[^<]+</title>', svg.group(0))
        assert 'viewBox="0 0 320 ' in svg.group(0)
    assert html.count('<details class="chart-data">') == 3
    assert "부산하나센터" in html.split('id="chart-organisations"')[1].split("</svg>")[0]
    assert " style=" not in html and "<script>" not in html


def test_month_labels_are_in_the_interface_language(
    client: FlaskClient, session: Session, world: World
) -> None:
    world.coordinator.preferred_language = "ko"
    session.commit()
    html = page(sign_in(client, world.coordinator))
    timeline = html.split('id="chart-timeline"')[1].split("</svg>")[0]
    assert f"{today().month}월" in timeline
    assert "인신매매 기초" in html.split('id="chart-modules"')[1].split("</svg>")[0]


def test_bar_labels_are_escaped_and_shortened() -> None:
    svg = charts.bar_chart(
        [charts.Bar("<b>" + "한" * 40, 0.5, "50% · 1/2")],
        chart_id="c",
        title="T & T",
        description="D",
    )
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert "…" in svg
    assert "T &amp; T" in svg
    assert 'width="160"' in svg  # half of the 320-unit track


def test_nice_ceiling() -> None:
    assert [charts.nice_ceiling(n) for n in (0, 1, 3, 7, 12, 21, 48, 51)] == [
        1, 1, 3, 8, 20, 25, 50, 60,
    ]  # fmt: skip


def test_year_labels_never_overlap() -> None:
    months = [(12, "2025년"), (1, "2026년")] + [(m, None) for m in range(2, 12)]
    columns = [
        charts.Column(label=f"{month}월", value=1, title=f"{month}월", group_label=year)
        for month, year in months
    ]
    svg = charts.column_chart(columns, chart_id="t", title="T", description="D")
    assert "2025년" not in svg  # one column is too narrow for its year
    assert "2026년" in svg


def test_timeline_granularity_follows_the_period() -> None:
    day = date(2025, 6, 18)
    assert timeline_window(Filters(), day) == (date(2024, 7, 1), day, "month")
    weeks = timeline_window(Filters(start=date(2025, 5, 1), end=day), day)
    assert weeks[2] == "week"
    years = timeline_window(Filters(start=date(2019, 1, 1)), day)
    assert years[2] == "year"
    assert bucket_start(day, "week") == date(2025, 6, 16)  # a Monday


def test_weekly_buckets_count_in_sql(app: Flask, session: Session, world: World) -> None:
    day = today()
    extra = make_member(session, world.mine, name="Weekly")
    participate(session, world.my_cohort, extra)
    open_lessons(session, extra, BASICS, "01-intro")
    complete(session, extra, world.basics, at(day - timedelta(days=7)))
    session.commit()
    start = day - timedelta(days=27)
    with app.test_request_context():
        orgs = visible_organisations(session, world.coordinator)
        data = build_dashboard(session, world.coordinator, Filters(start=start, end=day), orgs)
    timeline = data.timeline
    assert timeline.granularity == "week"
    counts = {b.starts_on: b.count for b in timeline.buckets}
    assert counts[bucket_start(day - timedelta(days=7), "week")] == 1
    assert counts[bucket_start(day - timedelta(days=15), "week")] == 1
    assert timeline.total == 2


# Queries ----------------------------------------------------------------------------------------


def _add_trainees(session: Session, world: World, count: int) -> None:
    day = today()
    for n in range(count):
        person = make_member(session, world.mine if n % 2 else world.second, name=f"Bulk {n}")
        participate(session, world.my_cohort, person)
        if n % 3 == 0:
            open_lessons(session, person, BASICS, "01-intro", "02-signs", "03-sources")
            complete(
                session,
                person,
                world.basics,
                at(day - timedelta(days=n % 60)),
                expires_at=utcnow() + timedelta(days=n % 40),
            )
        elif n % 3 == 1:
            open_lessons(session, person, IDENTIFY, "01-a")
    session.commit()


def test_queries_do_not_grow_with_the_number_of_trainees(
    client: FlaskClient,
    session: Session,
    world: World,
    count_queries: Callable[[], AbstractContextManager[list[str]]],
) -> None:
    sign_in(client, world.coordinator)
    _add_trainees(session, world, 1)  # 5 trainees in scope
    with count_queries() as few:
        html = page(client)
    assert figure(html, "trainees") == "5"
    _add_trainees(session, world, 45)  # 50
    with count_queries() as many:
        html = page(client, organisation=world.mine.id)
    with count_queries() as many_unfiltered:
        html = page(client)
    assert figure(html, "trainees") == "50"
    assert len(few) == len(many_unfiltered) == len(many)
    assert len(few) <= 14, few


def test_a_coordinator_without_organisations_sees_zeros(
    client: FlaskClient, session: Session, world: World
) -> None:
    newcomer = make_coordinator(session, (), name="New coordinator")
    session.commit()
    html = page(sign_in(client, newcomer))
    assert figure(html, "trainees") == "0"
    assert figure(html, "assigned") == "0"
    assert "No organisation has assigned modules yet." in html
    assert world.mine.name not in html
