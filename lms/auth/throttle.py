"""Rate-limit keys and the sign-in throttle, on top of the generic ``lms.auth.ratelimit``."""

from __future__ import annotations

import hashlib
import ipaddress
import math

from flask import current_app, request
from flask_babel import ngettext

from lms.auth import services
from lms.auth.ratelimit import limiter


def client_key() -> str:
    """The client address as a rate-limit key; IPv6 by /64, the block one subscriber gets."""
    raw = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def account_key(email: str) -> str:
    """An e-mail address as a rate-limit key."""
    # Hashed: the limiter's store (Redis) never holds e-mail addresses.
    return hashlib.sha256(services.normalise_email(email).encode("utf-8")).hexdigest()[:32]


def _login_account_key(email: str) -> str:
    return f"login:account:{account_key(email)}"


def forget_login_failures(email: str) -> None:
    """Clear an account's failed sign-ins (its owner proved who they are, e.g. by a reset)."""
    limiter().reset(
        _login_account_key(email), int(current_app.config["LOGIN_LIMIT_WINDOW_SECONDS"])
    )


class LoginThrottle:
    """Sign-in limits per client address and per account (also for unknown addresses).

    Every attempt is counted before the password is checked, so parallel requests cannot
    overshoot. A successful sign-in clears the account's count and takes back its
    address hit: the address limit then counts failures, and a training room behind one
    address can sign in together.
    """

    def __init__(self, email: str) -> None:
        config = current_app.config
        self.window = int(config["LOGIN_LIMIT_WINDOW_SECONDS"])
        self.per_address = int(config["LOGIN_LIMIT_PER_ADDRESS"])
        self.per_account = int(config["LOGIN_LIMIT_PER_ACCOUNT"])
        self.address_key = f"login:address:{client_key()}"
        self.account_key = _login_account_key(email)

    def allow(self) -> bool:
        """Count this attempt; False when the address or the account is over its limit."""
        counters = limiter()
        if not counters.hit(self.address_key, self.per_address, self.window):
            return False
        return counters.hit(self.account_key, self.per_account, self.window)

    def succeeded(self) -> None:
        """The password was right: forget the account's failures, give back the address hit."""
        counters = limiter()
        counters.reset(self.account_key, self.window)
        counters.undo(self.address_key, self.window)


def wait_message(window: int) -> tuple[str, int]:
    """The translated "please wait N minutes" message and the seconds to wait."""
    seconds = limiter().retry_after(window)
    minutes = max(1, math.ceil(seconds / 60))
    message = ngettext(
        "Too many attempts. Please wait %(num)d minute and try again.",
        "Too many attempts. Please wait %(num)d minutes and try again.",
        minutes,
    )
    return message, seconds
