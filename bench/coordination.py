"""Benchmark the coordination reports on SQLite and PostgreSQL with a realistic amount of data.

    .venv/bin/python bench/coordination.py [--backend both|sqlite|postgresql] [--runs 10]

Generates 50 organisations, 20,000 trainees, 8 modules in 3 languages, 400 cohorts (plus a few
joint ones) assigning 7 or 8 modules each, and about 150,000 enrolments with lesson progress,
completions and certificates (some expired) and many overdue assignments. Then, with the Flask
test client, signed in as an admin and as a coordinator of 3 organisations, it times the
completion matrix (first page, a filtered page, sorted by progress, the last page), the dashboard
(when ``/coordination/dashboard`` exists) and the full CSV exports (and one XLSX export), and
prints median and 95th percentile wall-clock times, the median CPU time of this process and, for
exports, the size and the peak of Python memory (tracemalloc, a separate run).

SQLite uses a temporary file; PostgreSQL a throw-away database created next to
``LMS_BENCH_DATABASE_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and
dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402 - after making the checkout importable
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import Engine, create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from lms import create_app  # noqa: E402
from lms.auth.models import User  # noqa: E402
from lms.certificates.models import Certificate  # noqa: E402
from lms.content.models import Lesson, Module, ModuleVersion  # noqa: E402
from lms.coordination.models import (  # noqa: E402
    Cohort,
    CohortModule,
    CohortOrganisation,
    CohortParticipant,
    CoordinatorOrganisation,
    Organisation,
    OrganisationMember,
)
from lms.courses.models import Enrolment, LessonProgress  # noqa: E402
from lms.db import make_engine  # noqa: E402
from lms.models import metadata  # noqa: E402
from lms.quiz.models import Completion  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MODULES = [
    ("trafficking-basics", 6),
    ("victim-identification", 8),
    ("trauma-informed-care", 7),
    ("referral-pathways", 5),
    ("labour-exploitation", 9),
    ("online-recruitment", 6),
    ("interviewing-survivors", 8),
    ("data-protection", 5),
]
LANGUAGES = ("en", "ko", "zh")
SURNAMES = {
    "en": ["Smith", "Garcia", "Nguyen", "Okafor", "Silva", "Novak", "Haddad", "Kowalski"],
    "ko": ["김", "이", "박", "최", "정", "강", "조", "윤"],
    "zh": ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"],
}
GIVEN = {
    "en": ["Anna", "Maria", "David", "Grace", "Samuel", "Leila", "Tomas", "Rosa"],
    "ko": ["민지", "서연", "지훈", "현우", "수빈", "예은", "도윤", "하은"],
    "zh": ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳"],
}
BATCH = 20_000


@dataclass
class World:
    admin_id: int
    coordinator_id: int
    rows: dict[str, int]  # table name -> rows inserted


def _batched(conn: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(model.__table__), rows[start : start + BATCH])


def generate(engine: Engine, *, trainees: int, seed: int = 7) -> World:
    """Fill an empty database; ids are given explicitly so rows can refer to each other."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    rows: dict[str, list[dict[str, Any]]] = {}

    # Modules: 8, each in 3 languages; two have a second English version with one more lesson.
    versions: list[dict[str, Any]] = []
    lessons: list[dict[str, Any]] = []
    version_of: dict[tuple[str, str], int] = {}
    lesson_keys: dict[str, list[str]] = {}
    for module_id, count in MODULES:
        keys = [f"{n:02d}-lesson" for n in range(1, count + 1)]
        for language in LANGUAGES:
            for number in (1, 2) if language == "en" and count < 6 else (1,):
                key_list = keys + (["99-update"] if number == 2 else [])
                version_id = len(versions) + 1
                versions.append(
                    {
                        "id": version_id,
                        "module_id": module_id,
                        "language": language,
                        "version": number,
                        "source_version": None if language == "en" else 1,
                        "title": f"{module_id.replace('-', ' ').title()} ({language})",
                        "summary": "Benchmark module.",
                        "duration_minutes": 60,
                        "pass_mark": 80,
                        "prerequisites": [],
                        "objectives": [],
                        "certificate_valid_months": 24 if count % 2 else None,
                        "content_hash": uuid.uuid4().hex,
                        "imported_at": now,
                    }
                )
                version_of[(module_id, language)] = version_id
                for position, key in enumerate(key_list, start=1):
                    lessons.append(
                        {
                            "id": len(lessons) + 1,
                            "module_version_id": version_id,
                            "position": position,
                            "key": key,
                            "title": f"Lesson {position}",
                            "source": "",
                            "html": "<p>Lesson.</p>",
                        }
                    )
        lesson_keys[module_id] = keys
    rows["modules"] = [{"id": m, "created_at": now} for m, _count in MODULES]
    rows["module_versions"] = versions
    rows["lessons"] = lessons

    # Organisations, people and memberships.
    organisations = [
        {
            "id": n,
            "name": f"Centre {n:02d} {'Busan Seoul Incheon Daegu Shenyang Yanji'.split()[n % 6]}",
            "name_key": f"centre {n:02d}",
            "country": "KR" if n % 3 else "CN",
            "kind": "shelter" if n % 4 else "resettlement_centre",
            "created_at": now,
        }
        for n in range(1, 51)
    ]
    users: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    for n in range(1, trainees + 1):
        language = LANGUAGES[n % 3]
        surname, given = rng.choice(SURNAMES[language]), rng.choice(GIVEN[language])
        name = f"{given} {surname} {n}" if language == "en" else f"{surname}{given}{n}"
        users.append(
            {
                "id": n,
                "email": f"trainee{n}@bench.example",
                "name": name,
                "password_hash": "!",
                "role": "trainee",
                "preferred_language": language,
                "is_active_account": True,
                "created_at": now,
            }
        )
        organisation = (n - 1) % 50 + 1
        members.append({"organisation_id": organisation, "user_id": n, "added_at": now})
        if n % 20 == 0:  # 5% belong to a second organisation
            second = (organisation + 6) % 50 + 1
            members.append({"organisation_id": second, "user_id": n, "added_at": now})
    admin_id, coordinator_id = trainees + 1, trainees + 2
    for user_id, role in ((admin_id, "admin"), (coordinator_id, "coordinator")):
        users.append(
            {
                "id": user_id,
                "email": f"{role}@bench.example",
                "name": f"Bench {role}",
                "password_hash": "!",
                "role": role,
                "preferred_language": "en",
                "is_active_account": True,
                "created_at": now,
            }
        )
    rows["organisations"] = organisations
    rows["users"] = users
    rows["organisation_members"] = members
    rows["coordinator_organisations"] = [
        {"user_id": coordinator_id, "organisation_id": org, "assigned_at": now} for org in (1, 2, 3)
    ]

    # Cohorts: 8 per organisation, each trainee in one; 10 joint cohorts of two organisations.
    cohorts: list[dict[str, Any]] = []
    cohort_orgs: list[dict[str, Any]] = []
    cohort_modules: list[dict[str, Any]] = []
    participants: list[dict[str, Any]] = []
    by_organisation: dict[int, list[int]] = {}
    for n in range(1, trainees + 1):
        by_organisation.setdefault((n - 1) % 50 + 1, []).append(n)

    def add_cohort(orgs: tuple[int, ...], people: list[int], module_count: int) -> None:
        cohort_id = len(cohorts) + 1
        starts = today - timedelta(days=rng.randint(0, 540))
        cohorts.append(
            {
                "id": cohort_id,
                "name": f"Cohort {cohort_id}",
                "starts_on": starts,
                "ends_on": starts + timedelta(days=4),
                "is_online": False,
                "place": "Busan",
                "created_at": now,
            }
        )
        cohort_orgs.extend({"cohort_id": cohort_id, "organisation_id": org} for org in orgs)
        for module_id, _count in rng.sample(MODULES, module_count):
            due = starts + timedelta(days=rng.randint(20, 120))
            cohort_modules.append({"cohort_id": cohort_id, "module_id": module_id, "due_on": due})
        participants.extend({"cohort_id": cohort_id, "user_id": p, "added_at": now} for p in people)

    for org, people in by_organisation.items():
        size = -(-len(people) // 8)
        for start in range(0, len(people), size):
            add_cohort((org,), people[start : start + size], 8 if rng.random() < 0.5 else 7)
    for n in range(10):
        a, b = n * 5 + 1, n * 5 + 2
        add_cohort((a, b), by_organisation[a][:20] + by_organisation[b][:20], 3)
    rows["cohorts"] = cohorts
    rows["cohort_organisations"] = cohort_orgs
    rows["cohort_modules"] = cohort_modules
    rows["cohort_participants"] = participants

    # Enrolments (one per assigned module and trainee), progress, completions, certificates.
    modules_of: dict[int, list[str]] = {}
    for link in cohort_modules:
        modules_of.setdefault(link["cohort_id"], []).append(link["module_id"])
    pairs: dict[tuple[int, str], None] = {}
    for participant in participants:
        for module_id in modules_of[participant["cohort_id"]]:
            pairs[(participant["user_id"], module_id)] = None
    enrolments: list[dict[str, Any]] = []
    progress: list[dict[str, Any]] = []
    completions: list[dict[str, Any]] = []
    certificates: list[dict[str, Any]] = []
    language_of = {u["id"]: u["preferred_language"] for u in users}
    valid_months = {v["module_id"]: v["certificate_valid_months"] for v in versions}
    for user_id, module_id in pairs:
        started = now - timedelta(days=rng.randint(1, 900))
        keys = lesson_keys[module_id]
        draw = rng.random()
        opened = (
            keys if draw < 0.45 else keys[: rng.randint(1, len(keys) - 1)] if draw < 0.7 else []
        )
        enrolments.append(
            {
                "id": len(enrolments) + 1,
                "user_id": user_id,
                "module_id": module_id,
                "enrolled_at": started,
                "last_lesson_key": opened[-1] if opened else None,
                "last_activity_at": started if opened else None,
            }
        )
        progress.extend(
            {
                "user_id": user_id,
                "module_id": module_id,
                "lesson_key": key,
                "first_opened_at": started,
                "last_opened_at": started,
            }
            for key in opened
        )
        if draw < 0.45:
            language = language_of[user_id]
            completion_id = len(completions) + 1
            completed = started + timedelta(days=rng.randint(0, 30))
            version_id = version_of[(module_id, language)]
            completions.append(
                {
                    "id": completion_id,
                    "user_id": user_id,
                    "module_id": module_id,
                    "module_version_id": version_id,
                    "language": language,
                    "completed_at": completed,
                    "score": float(rng.randint(80, 100)),
                }
            )
            months = valid_months[module_id]
            certificates.append(
                {
                    "id": completion_id,
                    "code": uuid.uuid4().hex[:17].upper(),
                    "completion_id": completion_id,
                    "user_id": user_id,
                    "module_id": module_id,
                    "module_version_id": version_id,
                    "language": language,
                    "holder_name": "Holder",
                    "module_title": module_id,
                    "module_title_en": module_id,
                    "module_version_number": 1,
                    "duration_minutes": 60,
                    "organisation": "",
                    "completed_at": completed,
                    "issued_at": completed,
                    "expires_at": completed + timedelta(days=730) if months else None,
                    "revoked_at": now if rng.random() < 0.01 else None,
                }
            )
    rows["enrolments"] = enrolments
    rows["lesson_progress"] = progress
    rows["completions"] = completions
    rows["certificates"] = certificates

    tables = {
        "modules": Module,
        "module_versions": ModuleVersion,
        "lessons": Lesson,
        "organisations": Organisation,
        "users": User,
        "organisation_members": OrganisationMember,
        "coordinator_organisations": CoordinatorOrganisation,
        "cohorts": Cohort,
        "cohort_organisations": CohortOrganisation,
        "cohort_modules": CohortModule,
        "cohort_participants": CohortParticipant,
        "enrolments": Enrolment,
        "lesson_progress": LessonProgress,
        "completions": Completion,
        "certificates": Certificate,
    }
    with engine.begin() as conn:
        for name, model in tables.items():
            _batched(conn, model, rows[name])
    if engine.dialect.name == "postgresql":
        # As autovacuum would after a load; the benchmark inserts nothing more (ids are explicit).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return World(admin_id, coordinator_id, {name: len(rows[name]) for name in tables})


# Databases -------------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def postgresql_database(url: str) -> Iterator[str]:
    server = make_url(url)
    name = f"lms_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# Measuring -------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def signed_in(app: Flask, user_id: int) -> FlaskClient:
    client = app.test_client()
    with app.app_context():
        from lms.extensions import db

        user = db.session.get(User, user_id)
        assert user is not None
        identity = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = identity
        session["_fresh"] = True
    return client


def fetch(client: FlaskClient, url: str) -> tuple[int, int]:
    """(status, bytes) of a GET, reading a streamed body chunk by chunk as a browser would."""
    response = client.get(url, buffered=False)
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    return response.status_code, size


@dataclass
class Result:
    label: str
    times: list[float]
    cpu: list[float]
    size: int = 0
    peak: int | None = None
    note: str = ""

    def line(self) -> str:
        if not self.times:
            return f"{self.label:<34} {self.note}"
        peak = f"{self.peak / 2**20:7.1f} MiB" if self.peak is not None else ""
        size = (
            f"{self.size / 2**20:6.1f} MiB"
            if self.size > 200_000
            else f"{self.size / 1024:6.0f} KiB"
        )
        return (
            f"{self.label:<34} {statistics.median(self.times) * 1000:7.0f} ms"
            f" {percentile(self.times, 0.95) * 1000:7.0f} ms"
            f" {statistics.median(self.cpu) * 1000:7.0f} ms {size} {peak}"
        )


def measure(client: FlaskClient, label: str, url: str, runs: int, memory: bool = False) -> Result:
    status, size = fetch(client, url)  # warm-up (and the status check)
    if status != 200:
        raise SystemExit(f"{label}: {url} answered {status}")
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fetch(client, url)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    result = Result(label, times, cpu, size)
    if memory:
        tracemalloc.start()
        fetch(client, url)
        result.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result


def last_page(client: FlaskClient, url: str) -> int:
    status, _size = fetch(client, url)
    html = client.get(url).get_data(as_text=True)
    found = re.search(r"page 1 of ([\d,]+)", html)
    return int(found.group(1).replace(",", "")) if found and status == 200 else 1


def run_backend(label: str, url: str, args: argparse.Namespace) -> list[str]:
    engine = make_engine(url)
    metadata.create_all(engine)
    started = time.perf_counter()
    world = generate(engine, trainees=args.trainees)
    took = time.perf_counter() - started
    engine.dispose()
    lines = [
        f"{label}: data generated in {took:.0f} s: "
        + ", ".join(f"{n:,} {t}" for t, n in world.rows.items() if n >= 1000)
    ]
    print(lines[0], flush=True)
    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "SCHEMA_CHECK": False,
            "REDIS_URL": "",
            "MAIL_SERVER": "",
            "SERVER_NAME": "passage.test",
        }
    )
    has_dashboard = any(rule.rule == "/coordination/dashboard" for rule in app.url_map.iter_rules())
    header = f"{'page':<34} {'median':>10} {'p95':>10} {'CPU':>10} {'size':>10} {'peak mem':>11}"
    for who, user_id in (("admin", world.admin_id), ("coordinator (3 orgs)", world.coordinator_id)):
        client = signed_in(app, user_id)
        last = last_page(client, "/coordination/matrix")
        pages = [
            ("matrix, first page", "/coordination/matrix"),
            (
                "matrix, filtered",
                "/coordination/matrix?status=overdue&language=ko&module=victim-identification",
            ),
            ("matrix, sorted by progress", "/coordination/matrix?sort=progress&order=desc"),
            ("matrix, broad filter (overdue)", "/coordination/matrix?status=overdue"),
            (f"matrix, last page ({last})", f"/coordination/matrix?page={last}"),
        ]
        results = [measure(client, name, page, args.runs) for name, page in pages]
        if has_dashboard:
            results.append(measure(client, "dashboard", "/coordination/dashboard", args.runs))
        else:
            results.append(Result("dashboard", [], [], note="skipped: no /coordination/dashboard"))
        for name, export in (
            ("CSV export, matrix", "/coordination/matrix.csv"),
            ("CSV export, completions", "/coordination/completions.csv"),
        ):
            results.append(measure(client, name, export, args.export_runs, memory=True))
        results.append(measure(client, "XLSX export, matrix", "/coordination/matrix.xlsx", 1, True))
        block = [
            f"\n{label}, {who}, {args.runs} runs per page, {args.export_runs} per export",
            header,
        ]
        block += [result.line() for result in results]
        print("\n".join(block), flush=True)
        lines += block
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per page (default 10)")
    parser.add_argument("--export-runs", type=int, default=3, help="timed runs per export")
    parser.add_argument("--trainees", type=int, default=20_000)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load:.1f}",
        flush=True,
    )
    if args.backend in ("both", "sqlite"):
        with sqlite_database() as url:
            run_backend("SQLite", url, args)
    if args.backend in ("both", "postgresql"):
        pg = os.environ.get("LMS_BENCH_DATABASE_URL", DEFAULT_PG)
        with postgresql_database(pg) as url:
            run_backend("PostgreSQL", url, args)


if __name__ == "__main__":
    main()
