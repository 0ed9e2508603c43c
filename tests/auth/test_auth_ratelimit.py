"""Sign-in rate limits, with the in-process counter and with a real Redis."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lms.auth import views
from lms.auth.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter, create_limiter
from tests.auth.conftest import PINNED_CLOCK
from tests.factories import PASSWORD, make_user


@pytest.fixture
def app_overrides(limiter_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **limiter_config,
        "LOGIN_LIMIT_PER_ACCOUNT": 5,
        "LOGIN_LIMIT_PER_ADDRESS": 8,
        "LOGIN_LIMIT_WINDOW_SECONDS": 900,
    }


def login(
    client: FlaskClient, email: str, password: str, address: str = "203.0.113.7"
) -> TestResponse:
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_sixth_failed_sign_in_for_an_account_is_refused_even_with_the_right_password(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, email="kim@example.org")
    for _ in range(5):
        assert login(client, "kim@example.org", "wrong password").status_code == 200
    refused = login(client, "KIM@example.org", PASSWORD)
    assert refused.status_code == 429
    assert "Too many attempts. Please wait" in refused.text
    assert "minutes" in refused.text
    assert 'name="email"' in refused.text  # the sign-in page, not a bare error
    assert refused.headers["Retry-After"] == "899"
    assert "Please wait 15 minutes" in refused.text
    assert client.get("/account").status_code == 302  # not signed in


def test_the_account_limit_also_counts_from_other_addresses(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, email="kim@example.org")
    for n in range(5):
        login(client, "kim@example.org", "wrong password", address=f"198.51.100.{n}")
    assert login(client, "kim@example.org", PASSWORD, address="192.0.2.99").status_code == 429


def test_an_unknown_address_is_limited_like_an_existing_account(client: FlaskClient) -> None:
    for _ in range(5):
        assert login(client, "nobody@example.org", "a guess").status_code == 200
    assert login(client, "nobody@example.org", "a guess").status_code == 429


def test_over_the_limit_no_password_is_checked(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(session, email="kim@example.org")
    for _ in range(5):
        login(client, "kim@example.org", "wrong password")

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the password was checked over the limit")

    monkeypatch.setattr(views.services, "authenticate", must_not_run)
    assert login(client, "kim@example.org", PASSWORD).status_code == 429


def test_a_successful_sign_in_resets_the_account_counter(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, email="kim@example.org")
    for _ in range(4):
        login(client, "kim@example.org", "wrong password")
    assert login(client, "kim@example.org", PASSWORD).status_code == 302
    client.post("/logout")
    # From another address, so that only the account counter is in play.
    for _ in range(4):
        assert login(client, "kim@example.org", "wrong", address="198.51.100.1").status_code == 200
    assert login(client, "kim@example.org", PASSWORD, address="198.51.100.1").status_code == 302


def test_per_address_limit_holds_across_accounts(client: FlaskClient, session: Session) -> None:
    make_user(session, email="kim@example.org")
    for n in range(8):  # LOGIN_LIMIT_PER_ADDRESS, spread over accounts
        assert login(client, f"guess{n}@example.org", "a guess").status_code == 200
    assert login(client, "kim@example.org", PASSWORD).status_code == 429
    # Another address is not affected.
    assert login(client, "kim@example.org", PASSWORD, address="198.51.100.20").status_code == 302


def test_successful_sign_ins_do_not_use_up_the_address_limit(
    client: FlaskClient, session: Session
) -> None:
    # A training room behind one address: more people than the limit sign in together.
    users = [make_user(session) for _ in range(10)]
    for user in users:
        assert login(client, user.email, PASSWORD).status_code == 302
        client.post("/logout")


def test_ipv6_clients_are_limited_per_64_block(client: FlaskClient) -> None:
    for n in range(8):
        login(client, f"guess{n}@example.org", "a guess", address=f"2001:db8:1:2::{n + 1:x}")
    assert (
        login(client, "next@example.org", "a guess", address="2001:db8:1:2::ffff").status_code
        == 429
    )
    assert (
        login(client, "next@example.org", "a guess", address="2001:db8:1:3::1").status_code == 200
    )


def test_hit_counts_up_to_the_limit_and_reset_and_undo_give_back(
    limiter_config: dict[str, Any],
) -> None:
    limiter = create_limiter(limiter_config)
    try:
        assert [limiter.hit("k", 3, 60) for _ in range(4)] == [True, True, True, False]
        limiter.undo("k", 60)
        limiter.undo("k", 60)
        assert limiter.hit("k", 3, 60) is True
        assert limiter.hit("k", 3, 60) is False
        limiter.reset("k", 60)
        assert limiter.hit("k", 3, 60) is True
        assert limiter.hit("other", 1, 60) is True  # keys are counted apart
    finally:
        limiter.close()


def test_retry_after_is_the_rest_of_the_window() -> None:
    limiter = MemoryRateLimiter()
    assert limiter.retry_after(900, now=900 * 10 + 100) == 800
    assert limiter.retry_after(900, now=900 * 10) == 900
    assert limiter.retry_after(900, now=900 * 10 + 899.5) == 1
    assert limiter.retry_after(900) == 899  # the pinned test clock is 1 s into a window


def test_counts_start_again_in_the_next_window(monkeypatch: pytest.MonkeyPatch) -> None:
    limiter = MemoryRateLimiter()
    assert limiter.hit("k", 1, 60) and not limiter.hit("k", 1, 60)
    monkeypatch.setattr(RateLimiter, "clock", staticmethod(lambda: PINNED_CLOCK + 60))
    assert limiter.hit("k", 1, 60)


def test_memory_limiter_counts_exactly_under_threads() -> None:
    limiter = MemoryRateLimiter()
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        results = [limiter.hit("shared", 2000, 60) for _ in range(250)]
        with lock:
            allowed.extend(results)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 2000
    assert limiter.hit("shared", 2000, 60) is False


def test_redis_limit_holds_across_workers_and_every_key_expires(
    redis_url: str, redis_prefix: str
) -> None:
    config = {"REDIS_URL": redis_url, "RATELIMIT_KEY_PREFIX": redis_prefix}
    worker_a, worker_b = create_limiter(config), create_limiter(config)
    assert isinstance(worker_a, RedisRateLimiter)
    try:
        assert worker_a.hit("login:x", 3, 900)
        assert worker_b.hit("login:x", 3, 900)
        assert worker_a.hit("login:x", 3, 900)
        assert not worker_b.hit("login:x", 3, 900)
        keys = list(worker_a.client.scan_iter(match=redis_prefix + "*"))
        assert len(keys) == 1
        assert 0 < worker_a.client.ttl(keys[0]) <= 900
    finally:
        worker_a.close()
        worker_b.close()


def test_unreachable_redis_is_an_error_not_a_silent_pass() -> None:
    limiter = create_limiter({"REDIS_URL": "redis://127.0.0.1:9/0"})
    try:
        with pytest.raises(redis.ConnectionError):
            limiter.hit("k", 1, 60)
    finally:
        limiter.close()
