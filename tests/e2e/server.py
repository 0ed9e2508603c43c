"""A real Passage server for the browser tests: HTTP on 127.0.0.1, in a background thread."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

from lms import create_app, schema
from lms.auth.models import Role
from lms.auth.services import create_user
from lms.content.models import Module
from lms.content.services import import_tree
from lms.courses import services as courses
from lms.db import make_engine
from lms.extensions import db

PASSWORD = "walk-through-the-whole-site"
_accounts = itertools.count(1)


@dataclass(frozen=True)
class Account:
    """A user created for a test, with what the sign-in form needs."""

    id: int
    email: str
    password: str
    name: str
    role: Role
    language: str


class LiveServer:
    """Passage on a free port, with CSRF on, on its own SQLite file migrated by Alembic."""

    def __init__(self, database: Path, module_trees: Iterable[Path]) -> None:
        url = f"sqlite:///{database}"
        engine = make_engine(url)
        schema.upgrade(engine)  # the migrations, not create_all: they are exercised too
        engine.dispose()
        self.app: Flask = create_app(
            {
                "ENV": "testing",
                "SECRET_KEY": "e2e-secret-key",
                "DATABASE_URL": url,
                "WTF_CSRF_ENABLED": True,
                "SCHEMA_CHECK": False,
                "REDIS_URL": "",
                "MAIL_SERVER": "",
                "SERVER_NAME": None,  # whatever LMS_SERVER_NAME says: URLs are 127.0.0.1:<port>
                "PROXY_COUNT": 0,
            }
        )
        for root in module_trees:
            self.import_modules(root)
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="passage-e2e-server", daemon=True
        )
        self._thread.start()

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``, as in the URLs the browser requests."""
        return self.url.removeprefix("http://")

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()
        self.app.extensions["lms.db"].engine.dispose()

    def import_modules(self, root: Path) -> None:
        """Import a module tree with the importer trainers use; any problem fails the run."""
        with self.app.app_context():
            report = import_tree(db.session, root)
            assert not report.problems, "\n".join(str(p) for p in report.problems)
            db.session.commit()

    def create_account(self, role: Role = Role.trainee, language: str = "en") -> Account:
        """A new account with a unique address, made by the same service as registration."""
        n = next(_accounts)
        email = f"e2e-{role.value}-{n}@example.org"
        name = f"E2E {role.value.title()} {n}"
        with self.app.app_context():
            user = create_user(
                db.session,
                email=email,
                name=name,
                password=PASSWORD,
                role=role,
                preferred_language=language,
            )
            db.session.commit()
            user_id = user.id
        return Account(user_id, email, PASSWORD, name, role, language)

    def study(self, account: Account, module_id: str, lesson_keys: Iterable[str] = ()) -> None:
        """Enrol ``account`` and open lessons, as the lesson pages do (for test set-up)."""
        with self.app.app_context():
            enrolment, _created = courses.enrol(db.session, account.id, module_id)
            module = courses.resolve_module(db.session, module_id, account.language)
            for key in lesson_keys:
                courses.open_lesson(db.session, enrolment, module, key)
            db.session.commit()

    def module_ids(self) -> list[str]:
        """Every imported module's id, sorted."""
        with self.app.app_context():
            return sorted(db.session.scalars(select(Module.id)))

    def lesson_keys(self, module_id: str, language: str = "en") -> list[str]:
        """The module's lesson keys in reading order, as shown in ``language``."""
        with self.app.app_context():
            module = courses.resolve_module(db.session, module_id, language)
            return [ref.key for ref in module.lessons]

    def lesson_titles(self, module_id: str, language: str) -> list[str]:
        """The lesson titles a trainee sees in ``language``, in reading order."""
        with self.app.app_context():
            module = courses.resolve_module(db.session, module_id, language)
            return [ref.title for ref in module.lessons]

    def module_title(self, module_id: str, language: str) -> str:
        with self.app.app_context():
            return courses.resolve_module(db.session, module_id, language).title

    def translate(self, language: str, msgid: str, **params: Any) -> str:
        """``msgid`` as the interface shows it in ``language`` (from the compiled catalogs)."""
        with self.app.test_request_context(), force_locale(language):
            return gettext(msgid, **params)


def quiz_key(server: LiveServer, attempt_id: int) -> dict[str, set[str]]:
    """The correct option ids per question id of an attempt, read from the server's quiz data."""
    from lms.quiz import services as quiz
    from lms.quiz.grading import questions_by_id

    with server.app.app_context():
        attempt = quiz.get_attempt(db.session, attempt_id)
        assert attempt is not None, f"no attempt {attempt_id}"
        questions = questions_by_id(attempt.module_version.quiz_data or {"questions": []})
        return {
            item["id"]: {o["id"] for o in questions[item["id"]]["options"] if o["correct"]}
            for item in attempt.layout
        }


def start_quiz(server: LiveServer, account: Account, module_id: str) -> int:
    """Enrol ``account`` and start (not submit) an attempt at the module's quiz; its id."""
    from lms.quiz import services as quiz

    server.study(account, module_id)
    with server.app.app_context():
        version = courses.resolve_module(db.session, module_id, account.language).version
        attempt = quiz.start_attempt(db.session, account.id, version)
        db.session.commit()
        return attempt.id


def complete_module(
    server: LiveServer, account: Account, module_id: str, fail_first: bool
) -> list[int]:
    """Read every lesson and pass the quiz, after a failed attempt if asked; the attempt ids."""
    from lms.quiz import services as quiz

    server.study(account, module_id, server.lesson_keys(module_id, account.language))
    ids = []
    for right in ([False] if fail_first else []) + [True]:
        attempt_id = start_quiz(server, account, module_id)
        key = quiz_key(server, attempt_id)
        with server.app.app_context():
            attempt = quiz.get_attempt(db.session, attempt_id)
            assert attempt is not None
            answers = {q: sorted(options) if right else [] for q, options in key.items()}
            quiz.submit_attempt(db.session, attempt, answers)
            db.session.commit()
        ids.append(attempt_id)
    return ids


def coordinator_of(
    server: LiveServer,
    language: str,
    organisation: str,
    members: Iterable[Account] = (),
    cohort: str | None = None,
) -> Account:
    """A new coordinator who manages a new organisation ``organisation`` with ``members``.

    ``cohort``: also a cohort of that organisation, assigned the sample module.
    """
    from datetime import date, timedelta

    from lms.auth.models import User
    from lms.coordination.services import cohorts, organisations

    members = list(members)
    account = server.create_account(Role.coordinator, language)
    with server.app.app_context():
        user = db.session.get(User, account.id)
        assert user is not None
        org = organisations.create_organisation(
            db.session, name=organisation, country="KR", kind="ngo"
        )
        organisations.assign_organisation(db.session, user, org)
        for member in members:
            trainee = db.session.get(User, member.id)
            assert trainee is not None
            organisations.add_member(db.session, org, trainee)
        if cohort is not None:
            participants = [db.session.get(User, member.id) for member in members]
            today = date.today()
            details = cohorts.CohortDetails(
                cohort, [org.id], None, today, today + timedelta(days=60), True, ""
            )
            made = cohorts.create_cohort(db.session, details, allowed_organisation_ids=None)
            cohorts.assign_module(db.session, made, "sample-module", today + timedelta(days=30))
            for participant in participants:
                assert participant is not None
                cohorts.add_participant(db.session, made, participant)
        db.session.commit()
    return account


def certificate_of(server: LiveServer, account: Account) -> tuple[int, str]:
    """The id and code of ``account``'s only certificate."""
    from lms.certificates.models import Certificate

    with server.app.app_context():
        certificate = db.session.scalars(
            select(Certificate).where(Certificate.user_id == account.id)
        ).one()
        return certificate.id, certificate.code
