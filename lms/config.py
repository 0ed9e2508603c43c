"""Configuration defaults. Every key can be set from the environment as ``LMS_<KEY>``."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "ko", "zh")


class DefaultConfig:
    # "development", "production" or "testing". Production is the safe default:
    # it needs a real secret key and sends cookies over HTTPS only.
    ENV = "production"
    DATABASE_URL = ""  # empty: a SQLite file under instance/
    SECRET_KEY = ""
    REDIS_URL = ""
    REGISTRATION_OPEN = True
    MODULES_DIR = str(ROOT / "modules")
    SITE_NAME = "Passage"
    SERVER_NAME = None
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
    PROXY_COUNT = 0
    # Check on start and first request that the database schema is at the latest migration.
    SCHEMA_CHECK = True

    # Sign-in rate limits: failed attempts per window, per client address and per account.
    LOGIN_LIMIT_PER_ADDRESS = 20
    LOGIN_LIMIT_PER_ACCOUNT = 5
    LOGIN_LIMIT_WINDOW_SECONDS = 900
    PASSWORD_RESET_MAX_AGE_SECONDS = 3600
    RATELIMIT_KEY_PREFIX = "passage:rl:"  # Redis keys; change it when sites share one Redis

    # Outgoing mail. No MAIL_SERVER: messages are written to the log instead of sent.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS
    MAIL_USE_SSL = False  # implicit TLS
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "Passage <no-reply@localhost>"
    MAIL_TIMEOUT_SECONDS = 10

    # Coordination: invitation links for accounts made by coordinators, and CSV bulk import.
    INVITATION_MAX_AGE_DAYS = 14
    CSV_IMPORT_MAX_BYTES = 5 * 1024 * 1024
    CSV_IMPORT_MAX_ROWS = 5000
    CSV_UPLOAD_MAX_AGE_HOURS = 24  # an uploaded file waits this long for its confirmation
    # Reminder e-mails (``lms coordination reminders send``, run daily from cron): assigned
    # modules overdue or due within this many days, certificates expiring within this many days,
    # and never the same reminder again within REMINDER_INTERVAL_DAYS.
    REMINDER_DUE_WITHIN_DAYS = 7
    REMINDER_INTERVAL_DAYS = 7
    REMINDER_CERTIFICATE_WITHIN_DAYS = 30

    # Certificates: who issues them and who signs, as printed on every PDF (may be empty).
    CERT_ISSUER = "Passage"
    CERT_ORGANISATION = ""  # organisation named on certificates issued from now on
    CERT_SIGNATORY_NAME = ""
    CERT_SIGNATORY_TITLE = ""
    # Public verification lookups per client address per window (codes cannot be enumerated).
    VERIFY_LIMIT_PER_ADDRESS = 30
    VERIFY_LIMIT_WINDOW_SECONDS = 600
    CERT_EXPORT_LIMIT = 300  # certificates in one ZIP download (each PDF takes ~50 ms)

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    SESSION_COOKIE_NAME = "passage_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024


NO_KEY_MESSAGE = (
    "LMS_SECRET_KEY is not set. Passage refuses to start in production without it: "
    "set LMS_SECRET_KEY to a long random value (for example the output of "
    "`python -c 'import secrets; print(secrets.token_hex(32))'`), "
    "or set LMS_ENV=development on a machine of your own."
)


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to set."""


def finalise(app: Flask, *, serving: bool = True) -> None:
    """Fill derived settings and refuse unsafe ones. Raises ConfigError.

    ``serving=False`` (management commands that serve no pages) lets production run without
    ``SECRET_KEY``: a throw-away key is used, and the ``lms run`` command refuses to serve with it.
    """
    cfg: dict[str, Any] = app.config
    env = str(cfg["ENV"]).lower()
    if env not in ("development", "production", "testing"):
        raise ConfigError(f"LMS_ENV must be development, production or testing, not {env!r}")
    cfg["ENV"] = env
    if not cfg["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        cfg["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'passage.db'}"
    if not cfg["SECRET_KEY"]:
        if env == "production" and not serving:
            cfg["SECRET_KEY"] = secrets.token_hex(32)
            cfg["SECRET_KEY_IS_THROWAWAY"] = True
        elif env == "production":
            raise ConfigError(NO_KEY_MESSAGE)
        cfg["SECRET_KEY"] = _development_secret(Path(app.instance_path))
    if env == "production":
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True
        cfg["PREFERRED_URL_SCHEME"] = "https"
    if env == "testing":
        cfg["TESTING"] = True


def _development_secret(instance: Path) -> str:
    """A random key kept under instance/, so development sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()
