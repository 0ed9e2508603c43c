"""Issuing: one certificate per completion, from the quiz feature's signal, with snapshots."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from lms import create_app
from lms.auth.models import User
from lms.certificates import services
from lms.certificates.codes import parse_code
from lms.certificates.models import Certificate, CertificateAction, CertificateEvent
from lms.content.models import Module
from lms.quiz.models import Completion
from lms.quiz.signals import module_completed
from tests.certificates.conftest import COMPLETED_AT, Complete
from tests.conftest import app_config
from tests.factories import make_completion, make_module_version, make_user


def count_certificates(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Certificate)) or 0


def test_completion_signal_issues_a_certificate_with_snapshots(
    app: Flask, session: Session, complete: Complete
) -> None:
    make_module_version(session, "victim-identification", "en", 2, title="Identifying victims")
    ko = make_module_version(
        session, "victim-identification", "ko", 1, title="피해자 식별", source_version=2,
        duration_minutes=90, certificate_valid_months=24,
    )  # fmt: skip
    user = make_user(session, name="김민지 Kim Min-ji")
    certificate = complete(user, ko)

    assert parse_code(certificate.code) == certificate.code
    assert certificate.user_id == user.id
    assert certificate.holder_name == "김민지 Kim Min-ji"
    assert certificate.module_title == "피해자 식별"
    assert certificate.module_title_en == "Identifying victims"  # the English source version
    assert certificate.language == "ko"
    assert certificate.module_version_number == 1
    assert certificate.duration_minutes == 90
    assert certificate.completed_at == COMPLETED_AT
    assert certificate.expires_at == datetime(2027, 3, 4, 9, 30, tzinfo=UTC)
    assert [e.action for e in certificate.events] == [CertificateAction.issued]
    assert certificate.events[0].actor_id is None

    # Later changes do not touch the certificate: it is a snapshot.
    user.name = "Someone Else"
    ko.title = "Changed"
    session.flush()
    session.expire_all()
    again = session.get(Certificate, certificate.id)
    assert again is not None
    assert (again.holder_name, again.module_title) == ("김민지 Kim Min-ji", "피해자 식별")


def test_without_certificate_valid_months_it_never_expires(
    app: Flask, session: Session, complete: Complete
) -> None:
    version = make_module_version(session, certificate_valid_months=None)
    certificate = complete(make_user(session), version)
    assert certificate.expires_at is None
    assert services.status_of(certificate) is services.Status.valid
    assert not services.refresher_due(certificate)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime(2025, 1, 31, tzinfo=UTC), 1, datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2024, 2, 29, tzinfo=UTC), 12, datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2025, 11, 15, tzinfo=UTC), 3, datetime(2026, 2, 15, tzinfo=UTC)),
        (datetime(2025, 3, 4, tzinfo=UTC), 24, datetime(2027, 3, 4, tzinfo=UTC)),
    ],
)
def test_expiry_adds_calendar_months(start: datetime, months: int, end: datetime) -> None:
    assert services.add_months(start, months) == end


def test_a_second_signal_for_the_same_completion_issues_nothing_more(
    app: Flask, session: Session
) -> None:
    completion = make_completion(session, make_user(session), make_module_version(session))
    module_completed.send(None, session=session, completion=completion)
    module_completed.send(None, session=session, completion=completion)
    assert count_certificates(session) == 1


def test_losing_the_race_returns_the_certificate_issued_first(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    completion = make_completion(session, make_user(session), make_module_version(session))
    first = services.issue_certificate(session, completion)

    # As if a concurrent request had looked before the first one inserted: the insert then
    # hits the unique constraint inside a SAVEPOINT, and the session stays usable.
    real_lookup = services._for_completion
    calls: list[int] = []

    def stale_lookup(sess: Session, completion_id: int) -> Certificate | None:
        calls.append(completion_id)
        return None if len(calls) == 1 else real_lookup(sess, completion_id)

    monkeypatch.setattr(services, "_for_completion", stale_lookup)
    second = services.issue_certificate(session, completion)
    assert second.id == first.id
    assert len(calls) == 2
    assert count_certificates(session) == 1
    assert session.scalar(select(func.count()).select_from(CertificateEvent)) == 1


def test_a_newer_version_issues_a_new_certificate_and_the_old_one_is_superseded(
    app: Flask, session: Session, complete: Complete
) -> None:
    user = make_user(session)
    v1 = make_module_version(session, version=1, certificate_valid_months=12)
    v2 = make_module_version(session, version=2, certificate_valid_months=12)
    old = complete(user, v1, completed_at=datetime(2024, 3, 1, tzinfo=UTC))
    new = complete(user, v2, completed_at=datetime(2025, 2, 20, tzinfo=UTC))
    assert old.id != new.id and old.code != new.code
    mine = services.certificates_of(session, user.id)
    assert [c.id for c in mine] == [new.id, old.id]
    assert services.latest_per_module(mine) == {new.id}


def test_organisation_comes_from_the_configuration(
    app: Flask, session: Session, complete: Complete
) -> None:
    app.config["CERT_ORGANISATION"] = "  Hana Centre Busan "
    with app.app_context():
        certificate = complete(make_user(session), make_module_version(session))
    assert certificate.organisation == "Hana Centre Busan"


def test_english_title_falls_back_to_the_latest_english_version_or_the_own_title(
    app: Flask, session: Session
) -> None:
    zh_only = make_module_version(session, "zh-only", "zh", 1, title="识别受害者")
    assert services.english_title(session, zh_only) == "识别受害者"
    make_module_version(session, "both", "en", 3, title="Third")
    make_module_version(session, "both", "en", 4, title="Fourth")
    zh = make_module_version(session, "both", "zh", 1, title="第一", source_version=9)
    assert services.english_title(session, zh) == "Fourth"


def test_concurrent_completion_requests_issue_one_certificate(engine: Engine) -> None:
    """Two requests, each in its own transaction, both find no certificate and both insert:
    the unique constraint and the SAVEPOINT leave one, and both return it."""
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises writers)")
    app = create_app(app_config())
    app.extensions["lms.db"].bind = engine
    with Session(engine) as setup:
        user = make_user(setup)
        version = make_module_version(setup, module_id="race-module")
        completion_id = make_completion(setup, user, version).id
        user_id = user.id
        setup.commit()

    barrier = threading.Barrier(2, timeout=10)
    checked = threading.local()
    real_lookup = services._for_completion

    def lookup_together(sess: Session, cid: int) -> Certificate | None:
        if not getattr(checked, "done", False):
            checked.done = True
            barrier.wait()  # both requests have looked: neither found a certificate
            return None
        return real_lookup(sess, cid)

    codes: list[str] = []
    errors: list[BaseException] = []

    def request_completion() -> None:
        try:
            with app.app_context(), Session(engine) as sess:
                completion = sess.get(Completion, completion_id)
                assert completion is not None
                codes.append(services.issue_certificate(sess, completion).code)
                sess.commit()
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    original: Any = services._for_completion
    services._for_completion = lookup_together  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=request_completion) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        services._for_completion = original
        with Session(engine) as cleanup:
            stored = cleanup.scalars(
                select(Certificate.code).where(Certificate.completion_id == completion_id)
            ).all()
            cleanup.execute(delete(User).where(User.id == user_id))
            cleanup.execute(delete(Module).where(Module.id == "race-module"))
            cleanup.commit()
    assert errors == []
    assert len(codes) == 2 and codes[0] == codes[1]
    assert stored == [codes[0]]
