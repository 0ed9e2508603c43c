"""Verification lookups are rate limited per client address, in memory and in Redis."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.certificates.conftest import Complete, trainee_with_certificate


@pytest.fixture
def app_overrides(limiter_config: dict[str, Any]) -> dict[str, Any]:
    return {**limiter_config, "VERIFY_LIMIT_PER_ADDRESS": 3, "VERIFY_LIMIT_WINDOW_SECONDS": 600}


def test_lookups_are_rate_limited_per_address(
    app: Flask, client: FlaskClient, session: Session, complete: Complete
) -> None:
    _user, certificate = trainee_with_certificate(session, complete)
    here = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(3):
        assert client.get(f"/verify/{certificate.code}", environ_base=here).status_code == 200
    refused = client.get(f"/verify/{certificate.code}", environ_base=here)
    assert refused.status_code == 429
    assert "Too many attempts. Please wait" in refused.text
    assert "김민지" not in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    # A typo counts too (guessing codes is what the limit stops); other addresses are not held.
    assert client.get("/verify?code=x", environ_base=here).status_code == 429
    elsewhere = {"REMOTE_ADDR": "198.51.100.4"}
    assert client.get(f"/verify/{certificate.code}", environ_base=elsewhere).status_code == 200
    # The form alone is not a lookup.
    assert client.get("/verify", environ_base=here).status_code == 200
    korean = client.get(
        f"/verify/{certificate.code}", environ_base=here, headers={"Accept-Language": "ko"}
    )
    assert korean.status_code == 429
    assert '<html lang="ko">' in korean.text
