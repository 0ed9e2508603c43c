"""Fixtures for the account tests: a real SMTP server on loopback and a real Redis.

Redis: set ``LMS_TEST_REDIS_URL`` (e.g. ``redis://127.0.0.1:6379/15``). Without it the
Redis half of the rate-limit tests is skipped with a message; with it, a server that
cannot be reached fails the run. Each test uses its own key prefix and deletes its keys.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import partial
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from werkzeug.security import generate_password_hash

import lms.auth.models
from lms.auth import services
from lms.auth.ratelimit import RateLimiter


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Real scrypt with a small work factor: these tests hash and check hundreds of passwords.

    Checking reads the factor from the stored hash, so sign-in code runs unchanged.
    """
    quick = partial(generate_password_hash, method="scrypt:1024:8:1")
    monkeypatch.setattr(lms.auth.models, "generate_password_hash", quick)
    monkeypatch.setattr(services, "generate_password_hash", quick)
    services._dummy_hash.cache_clear()
    yield
    services._dummy_hash.cache_clear()


# One second into a 900-second (and a 60-second) window: no window ends during a test.
PINNED_CLOCK = 1_800_000_001.0


@pytest.fixture(autouse=True)
def steady_rate_limit_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the rate limiter's clock, so counts never restart mid-test at a window's end."""
    monkeypatch.setattr(RateLimiter, "clock", staticmethod(lambda: PINNED_CLOCK))


@dataclass
class Inbox:
    """What the test SMTP server received."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.content
        assert isinstance(content, bytes)
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; yields its inbox."""
    inbox = Inbox(port=_free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def smtp_config(inbox: Inbox) -> dict[str, Any]:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": inbox.port, "MAIL_TIMEOUT_SECONDS": 5}
