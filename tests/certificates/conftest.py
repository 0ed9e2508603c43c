"""Fixtures for the certificate tests: completed modules, poppler, rate-limit backends.

PDF checks use poppler's ``pdftotext``, ``pdfinfo`` and ``pdftoppm`` (Debian ``poppler-utils``)
and the Noto CJK fonts (``fonts-noto-cjk``). Without them those tests are skipped with a message,
unless ``LMS_TEST_REQUIRE_SERVICES`` is set (CI), where their absence fails the run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

import lms.auth.models
from lms.auth.models import User
from lms.auth.ratelimit import RateLimiter
from lms.certificates.models import Certificate
from lms.content.models import ModuleVersion
from lms.quiz.models import Completion
from lms.quiz.signals import module_completed
from tests.factories import make_completion, make_module_version, make_user

POPPLER = ("pdftotext", "pdfinfo", "pdftoppm")
COMPLETED_AT = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
PINNED_CLOCK = 1_800_000_001.0  # one second into a rate-limit window


def _missing(what: str) -> None:
    if os.environ.get("LMS_TEST_REQUIRE_SERVICES"):
        pytest.fail(f"{what} is missing, but LMS_TEST_REQUIRE_SERVICES requires it")
    pytest.skip(f"{what} is missing: install Debian's poppler-utils, fonts-noto-cjk and Pango")


@pytest.fixture(scope="session")
def poppler() -> None:
    """Poppler's command-line tools, for reading PDFs back."""
    for tool in POPPLER:
        if shutil.which(tool) is None:
            _missing(tool)
    if shutil.which("fc-list") is None or "Noto Sans CJK" not in _fc_families():
        _missing("the Noto CJK fonts")
    try:
        import weasyprint  # noqa: F401  (loads Pango through cffi)
    except OSError:
        _missing("Pango (Debian libpango-1.0-0 and libpangoft2-1.0-0)")


def _fc_families() -> str:
    fc_list = shutil.which("fc-list")
    assert fc_list is not None
    return subprocess.run([fc_list, ":", "family"], capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real scrypt with a small work factor: these tests make many accounts."""
    quick = partial(generate_password_hash, method="scrypt:1024:8:1")
    monkeypatch.setattr(lms.auth.models, "generate_password_hash", quick)


@pytest.fixture(autouse=True)
def steady_rate_limit_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the rate limiter's clock, so counts never restart mid-test at a window's end."""
    monkeypatch.setattr(RateLimiter, "clock", staticmethod(lambda: PINNED_CLOCK))


Complete = Callable[..., Certificate]


@pytest.fixture
def complete(session: Session) -> Complete:
    """``complete(user, version, **completion_fields)``: record a completion as the quiz
    feature does (a Completion, then ``module_completed``) and return its certificate."""

    def run(user: User, version: ModuleVersion, **fields: Any) -> Certificate:
        fields.setdefault("completed_at", COMPLETED_AT)
        completion = make_completion(session, user, version, **fields)
        module_completed.send(None, session=session, completion=completion)
        return certificate_of(session, completion)

    return run


def certificate_of(session: Session, completion: Completion) -> Certificate:
    """The certificate issued for ``completion``."""
    certificate = session.scalar(
        select(Certificate).where(Certificate.completion_id == completion.id)
    )
    assert certificate is not None, "no certificate was issued"
    return certificate


def trainee_with_certificate(
    session: Session, complete: Complete, **version_fields: Any
) -> tuple[User, Certificate]:
    """A trainee who completed a Korean module version (with an English source version)."""
    module_id = version_fields.pop("module_id", "victim-identification")
    make_module_version(session, module_id, "en", 1, title="Identifying victims", **version_fields)
    ko = make_module_version(session, module_id, "ko", 1, title="피해자 식별", **version_fields)
    user = make_user(session, name="김민지", email=f"{uuid.uuid4().hex[:8]}@example.org")
    return user, complete(user, ko)
