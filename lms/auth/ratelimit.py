"""Fixed-window rate limits: in Redis (shared by every worker) or in process memory.

Windows are aligned to the epoch (``window`` seconds long), so every worker agrees on
which window an event falls into and when it ends, without storing a start time.

Use ``limiter()`` inside an app context; the backend follows the configuration:
``REDIS_URL`` set: Redis, keys prefixed with ``RATELIMIT_KEY_PREFIX`` (default
``passage:rl:``); else a thread-safe counter in this process, one per application.
"""

from __future__ import annotations

import math
import threading
import time
from abc import ABC, abstractmethod

import redis
from flask import Flask, current_app

EXTENSION_KEY = "lms.ratelimit"
DEFAULT_KEY_PREFIX = "passage:rl:"
_create_lock = threading.Lock()


class RateLimiter(ABC):
    """Counts events per key in fixed windows; callers decide what a key and a limit are."""

    def hit(self, key: str, limit: int, window: int) -> bool:
        """Count one event for ``key``; True while this window's count is within ``limit``."""
        return self._add(self._bucket(key, window), window, 1) <= limit

    def undo(self, key: str, window: int) -> None:
        """Take back one event counted by ``hit`` in this window (it turned out harmless)."""
        self._add(self._bucket(key, window), window, -1)

    def reset(self, key: str, window: int) -> None:
        """Forget this window's events for ``key``."""
        self._delete(self._bucket(key, window))

    def retry_after(self, window: int, now: float | None = None) -> int:
        """Whole seconds until the current window ends, when a refused key may try again."""
        now = self.clock() if now is None else now
        return max(1, math.ceil(window - (now % window)))

    @staticmethod
    def clock() -> float:
        """Seconds since the epoch; the windows are counted on it (tests pin it)."""
        return time.time()

    def close(self) -> None:  # noqa: B027 - only backends with connections need it
        """Release connections held by the backend."""

    def _bucket(self, key: str, window: int) -> str:
        return f"{key}:{window}:{int(self.clock() // window)}"

    @abstractmethod
    def _add(self, bucket: str, window: int, amount: int) -> int:
        """Add ``amount`` to the bucket (created with a lifetime of ``window``) and return it."""

    @abstractmethod
    def _delete(self, bucket: str) -> None: ...


class MemoryRateLimiter(RateLimiter):
    """Counters in this process: right for one worker (development, tests)."""

    PRUNE_EVERY_SECONDS = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[float, int]] = {}  # bucket -> (expires at, count)
        self._next_prune = 0.0

    def _add(self, bucket: str, window: int, amount: int) -> int:
        now = self.clock()
        with self._lock:
            if now >= self._next_prune:  # drop finished windows so memory stays bounded
                self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
                self._next_prune = now + self.PRUNE_EVERY_SECONDS
            expires_at, count = self._counts.get(bucket, (now + window, 0))
            count += amount
            self._counts[bucket] = (expires_at, count)
            return count

    def _delete(self, bucket: str) -> None:
        with self._lock:
            self._counts.pop(bucket, None)


class RedisRateLimiter(RateLimiter):
    """Counters in Redis, so a limit holds across all gunicorn workers and machines."""

    def __init__(self, client: redis.Redis, prefix: str = DEFAULT_KEY_PREFIX) -> None:
        self.client = client
        self.prefix = prefix

    def _add(self, bucket: str, window: int, amount: int) -> int:
        key = self.prefix + bucket
        # One round trip, applied atomically: no counter is ever left without an expiry.
        pipe = self.client.pipeline(transaction=True)
        pipe.incrby(key, amount)
        pipe.expire(key, window)
        count, _ = pipe.execute()
        return int(count)

    def _delete(self, bucket: str) -> None:
        self.client.delete(self.prefix + bucket)

    def close(self) -> None:
        self.client.close()


def create_limiter(config: dict[str, object]) -> RateLimiter:
    """A limiter for this configuration: Redis when REDIS_URL is set, else memory."""
    url = str(config.get("REDIS_URL") or "")
    if not url:
        return MemoryRateLimiter()
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return RedisRateLimiter(client, str(config.get("RATELIMIT_KEY_PREFIX") or DEFAULT_KEY_PREFIX))


def limiter(app: Flask | None = None) -> RateLimiter:
    """The application's limiter, created on first use."""
    if app is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    existing: RateLimiter | None = app.extensions.get(EXTENSION_KEY)
    if existing is not None:
        return existing
    with _create_lock:
        existing = app.extensions.get(EXTENSION_KEY)
        if existing is None:
            existing = app.extensions[EXTENSION_KEY] = create_limiter(app.config)
        return existing
