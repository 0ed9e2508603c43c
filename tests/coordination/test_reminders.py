"""Reminder e-mails through a real SMTP server on loopback: languages, interval, failures, races.

With ``REMINDER_DUE_WITHIN_DAYS`` = 30 the world (tests/coordination/dashboard_helpers.py) has
five people to remind: minji (ko) of identification (due in 20 days); wang (zh) and idle of
basics (overdue) and identification; "expired" of identification; li (zh) of a certificate that
expires in 10 days. Seven reminders in all.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from click.testing import Result
from flask import Flask
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

import lms.coordination.reminders as reminders
from lms import create_app
from lms.certificates.codes import format_code
from lms.coordination.cli import coordination_cli
from lms.coordination.invitations import unusable_password_hash
from lms.coordination.models import CohortModule
from lms.coordination.reminder_models import ReminderKind, ReminderLog
from lms.extensions import db
from lms.models import metadata
from tests.auth.conftest import Inbox, _free_port, smtp_config
from tests.conftest import _postgres_engine, _sqlite_engine, app_config
from tests.coordination.dashboard_helpers import (
    BASICS,
    IDENTIFY,
    World,
    at,
    build_world,
    complete,
    today,
)

SETTINGS: dict[str, Any] = {"REMINDER_DUE_WITHIN_DAYS": 30, "REMINDER_INTERVAL_DAYS": 7}


@dataclass
class PickyInbox(Inbox):
    """An inbox whose server refuses some recipients (a full mailbox, a typo'd domain)."""

    refused: set[str] = field(default_factory=set)
    delay: float = 0.0

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: SmtpSession, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow server widens the window for a race
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def inbox() -> Iterator[PickyInbox]:
    box = PickyInbox(port=_free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def app_overrides(inbox: PickyInbox) -> dict[str, Any]:
    return {**smtp_config(inbox), **SETTINGS}


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


class Clock:
    """A frozen clock for ``lms.coordination.reminders``, moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime.combine(today(), datetime.min.time(), UTC) + timedelta(hours=10)
        monkeypatch.setattr(reminders, "utcnow", lambda: self.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(coordination_cli, ["reminders", "send", *args])


def mail_to(inbox: Inbox, address: str) -> list[EmailMessage]:
    return [m for m in inbox.messages if m["To"] == address]


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def log_rows(session: Session) -> list[ReminderLog]:
    session.expire_all()
    return list(session.scalars(select(ReminderLog).order_by(ReminderLog.id)))


# Mails ------------------------------------------------------------------------------------------


def test_one_mail_per_person_in_their_language(
    app: Flask, session: Session, world: World, inbox: PickyInbox, clock: Clock
) -> None:
    result = run(app)
    assert result.exit_code == 0, result.output
    assert "Reminders: 5 sent, 0 skipped" in result.output
    assert len(inbox.messages) == 5
    due = today() + timedelta(days=20)
    overdue = today() - timedelta(days=10)

    (korean,) = mail_to(inbox, world.minji.email)
    text = body(korean)
    assert "김민지 님, 안녕하십니까." in text
    assert f"{due.year}년 {due.month}월 {due.day}일" in text  # the due date, the Korean way
    assert f"http://passage.test/modules/{IDENTIFY}" in text
    assert BASICS not in text  # completed: nothing to remind
    assert korean.get_content_charset() == "utf-8"

    (chinese,) = mail_to(inbox, world.wang.email)
    text = body(chinese)
    assert "王芳，您好：" in text
    assert "人口贩运基础知识" in text  # the module title in Chinese
    assert f"{overdue.year}年{overdue.month}月{overdue.day}日" in text
    assert text.index("人口贩运基础知识") < text.index("Identifying victims")  # overdue first
    assert "2" in chinese["Subject"]  # two reminders

    (certificate,) = mail_to(inbox, world.li.email)
    text = body(certificate)
    assert "李伟" in text
    assert format_code(world.li_certificate.code) in text
    assert {(r.user_id, r.kind) for r in log_rows(session)} >= {
        (world.li.id, ReminderKind.certificate),
        (world.minji.id, ReminderKind.assignment),
    }
    assert len(log_rows(session)) == 7


def test_running_again_sends_nothing_twice(
    app: Flask, session: Session, world: World, inbox: PickyInbox, clock: Clock
) -> None:
    assert run(app).exit_code == 0
    again = run(app)
    assert again.exit_code == 0
    assert "Reminders: 0 sent, 5 skipped" in again.output
    assert "5 reminded in the last 7 days" in again.output
    assert len(inbox.messages) == 5
    assert [r.send_count for r in log_rows(session)] == [1] * 7


def test_the_same_reminder_waits_for_the_interval(
    app: Flask, session: Session, world: World, inbox: PickyInbox, clock: Clock
) -> None:
    first_day = clock.now
    assert "5 sent" in run(app).output
    clock.now = first_day + timedelta(days=6, hours=13)  # day 6, 23:00
    assert "0 sent" in run(app).output
    clock.now = first_day + timedelta(days=6, hours=14, minutes=5)  # day 7, 00:05
    result = run(app)
    assert "5 sent" in result.output, result.output
    assert len(inbox.messages) == 10
    rows = log_rows(session)
    assert [r.send_count for r in rows] == [2] * 7
    assert all(r.first_sent_at == first_day for r in rows)
    assert all(r.sent_at == clock.now for r in rows)


def test_a_new_due_date_is_a_new_reminder(
    app: Flask, session: Session, world: World, inbox: PickyInbox, clock: Clock
) -> None:
    assert "5 sent" in run(app).output
    session.execute(
        update(CohortModule)
        .where(CohortModule.cohort_id == world.my_cohort.id, CohortModule.module_id == BASICS)
        .values(due_on=today() + timedelta(days=3))
    )
    session.commit()
    result = run(app)
    assert "2 sent" in result.output, result.output  # wang and idle, of basics only
    (latest,) = mail_to(inbox, world.idle.email)[1:]
    assert "Trafficking basics" in body(latest)
    assert "Identifying victims" not in body(latest)


def test_invited_people_without_a_password_are_skipped(
    app: Flask, session: Session, world: World, inbox: PickyInbox, clock: Clock
) -> None:
    world.idle.password_hash = unusable_password_hash()
    world.expired.is_active_account = False
    session.commit()
    result = run(app)
    assert "Reminders: 3 sent, 2 skipped (1 without a password, 1 switched off" in result.output
    assert not mail_to(inbox, world.idle.email)
    assert not mail_to(inbox, world.expired.email)
    assert world.idle.id not in {r.user_id for r in log_rows(session)}


def test_a_failing_mail_does_not_stop_the_others_and_is_retried(
    app: Flask, session: Session, world: World, inbox: PickyInbox, clock: Clock
) -> None:
    inbox.refused.add(world.wang.email)
    result = run(app)
    assert result.exit_code == 1
    assert "Reminders: 4 sent, 0 skipped (0 without a password, 0 switched off, 0 reminded" in (
        result.output
    )
    assert f"Could not send the reminder to {world.wang.email}" in result.output
    assert len(inbox.messages) == 4
    assert world.wang.id not in {r.user_id for r in log_rows(session)}

    inbox.refused.clear()
    retry = run(app)
    assert retry.exit_code == 0
    assert "Reminders: 1 sent, 4 skipped" in retry.output
    assert len(mail_to(inbox, world.wang.email)) == 1


def test_dry_run_sends_and_records_nothing(
    app: Flask, session: Session, world: World, inbox: PickyInbox, clock: Clock
) -> None:
    result = run(app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"Would remind {world.wang.email} [zh]: {BASICS} (due " in result.output
    assert f"Would remind {world.li.email} [zh]: {BASICS} (certificate " in result.output
    assert "Dry run: 5 would be reminded" in result.output
    assert inbox.messages == []
    assert log_rows(session) == []
    run(app)
    assert "Dry run: 0 would be reminded, 5 skipped" in run(app, "--dry-run").output


def test_links_need_the_server_name(app: Flask, world: World, inbox: PickyInbox) -> None:
    app.config["SERVER_NAME"] = None
    result = run(app)
    assert result.exit_code == 1
    assert "set LMS_SERVER_NAME" in result.output
    assert inbox.messages == []


def test_settings_must_be_whole_days(app: Flask, world: World) -> None:
    app.config["REMINDER_INTERVAL_DAYS"] = "weekly"
    result = run(app)
    assert result.exit_code == 1
    assert "REMINDER_INTERVAL_DAYS must be a whole number of days" in result.output


def test_revoked_and_renewed_certificates_are_not_reminded(
    app: Flask, session: Session, world: World, clock: Clock
) -> None:
    soon = clock.now + timedelta(days=5)
    complete(session, world.minji, world.basics, at(today()), expires_at=soon, revoked=True)
    complete(session, world.wang, world.basics, at(today() - timedelta(days=700)), expires_at=soon)
    complete(
        session, world.wang, world.basics_ko, at(today()), expires_at=soon + timedelta(days=700)
    )
    session.commit()
    with app.app_context():
        found = reminders.due_reminders(db.session, reminders.Settings(30, 30, 7), clock.now)
    certificates = [(r.email, i.module_id) for r in found for i in r.items if i.certificate_id]
    assert certificates == [(world.li.email, BASICS)]


# Two runs at once -------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A database of this test's own, where commits are real (threads see each other's)."""
    gen = _sqlite_engine(tmp_path_factory) if request.param == "sqlite" else _postgres_engine()
    engine = next(gen)
    metadata.create_all(engine)
    yield engine
    next(gen, None)


def test_two_concurrent_runs_send_each_reminder_once(
    committed_engine: Engine, inbox: PickyInbox
) -> None:
    inbox.delay = 0.15
    app = create_app(app_config(**smtp_config(inbox), **SETTINGS))
    app.extensions["lms.db"].bind = committed_engine
    with Session(committed_engine, expire_on_commit=False) as setup:
        world = build_world(setup)
    now = datetime.now(UTC)
    settings = reminders.Settings(due_within_days=30, certificate_within_days=30, interval_days=7)
    start = threading.Barrier(2)
    summaries: list[reminders.Summary] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            with app.app_context():
                start.wait(timeout=10)
                summaries.append(reminders.send_reminders(db.session, settings, now=now))
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(m["To"] for m in inbox.messages) == sorted(
        p.email for p in (world.minji, world.wang, world.expired, world.idle, world.li)
    )
    assert sum(len(s.sent) for s in summaries) == 5
    assert sum(len(s.reminded_recently) for s in summaries) == 5
    with Session(committed_engine) as check:
        assert check.scalar(select(func.count()).select_from(ReminderLog)) == 7
