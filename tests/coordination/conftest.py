"""Fixtures for the coordination tests: quick password hashing and a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from werkzeug.security import generate_password_hash

import lms.auth.models
from lms.auth import services
from tests.auth.conftest import Inbox, smtp_server  # noqa: F401  (the fixture, for these tests)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Real scrypt with a small work factor, so the many accounts made here cost little."""
    quick = partial(generate_password_hash, method="scrypt:1024:8:1")
    monkeypatch.setattr(lms.auth.models, "generate_password_hash", quick)
    monkeypatch.setattr(services, "generate_password_hash", quick)
    services._dummy_hash.cache_clear()
    yield
    services._dummy_hash.cache_clear()


__all__ = ["Inbox", "smtp_server"]
