"""Accounts: creating users, checking passwords and password-reset tokens.

Every function takes a session and plain values, raises an ``AccountError`` subclass whose
``str()`` is a translated message for the person concerned, flushes and never commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from lms.auth.models import Role, User
from lms.config import LANGUAGES
from lms.db import utcnow

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
NAME_MAX_LENGTH = 200
RESET_LINK_SALT = "passage.password-reset"


class AccountError(Exception):
    """Base of the account errors; ``str(error)`` is a message for the person concerned."""

    def __init__(self, reason: Any) -> None:  # a lazy string, translated when shown
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return str(self.reason)


class EmailTaken(AccountError):
    """Another account already uses this e-mail address."""

    def __init__(self) -> None:
        super().__init__(_l("An account with this e-mail address already exists."))


class InvalidEmail(AccountError):
    """The e-mail address is not a usable address."""


class InvalidName(AccountError):
    """The name is empty or too long."""


class WeakPassword(AccountError):
    """The password does not meet the password policy."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is not the account's password."""

    def __init__(self) -> None:
        super().__init__(_l("Your current password is not correct."))


class AccountInactive(AccountError):
    """The password is right, but the account has been switched off."""

    def __init__(self) -> None:
        super().__init__(
            _l("This account has been switched off. Please contact your training coordinator.")
        )


class InvalidResetToken(AccountError):
    """A password-reset link that is forged, already used or (``expired``) too old."""

    def __init__(self, *, expired: bool) -> None:
        if expired:
            reason = _l("This password reset link has expired.")
        else:
            reason = _l("This password reset link is not valid or has already been used.")
        super().__init__(reason)
        self.expired = expired


def normalise_email(email: str) -> str:
    """The stored form of an e-mail address: trimmed and lower-cased."""
    return email.strip().lower()


def check_email(email: str) -> str:
    """Return the normalised address. Raises InvalidEmail."""
    address = normalise_email(email)
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(_l("Enter a valid e-mail address, like name@example.org.")) from error
    return address


def check_name(name: str) -> str:
    """Return the trimmed name. Raises InvalidName."""
    name = name.strip()
    if not name:
        raise InvalidName(_l("Enter a name."))
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidName(_l("The name can have at most %(n)d characters.", n=NAME_MAX_LENGTH))
    return name


def check_language(language: str) -> str:
    """Return ``language`` if the interface supports it. Raises ValueError (a programming error)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; use one of {', '.join(LANGUAGES)}")
    return language


def check_password_policy(password: str, email: str) -> None:
    """Refuse passwords that are too short, too long or the e-mail address. Raises WeakPassword."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise WeakPassword(
            _l("The password must have at least %(n)d characters.", n=PASSWORD_MIN_LENGTH)
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise WeakPassword(
            _l("The password can have at most %(n)d characters.", n=PASSWORD_MAX_LENGTH)
        )
    if normalise_email(password) == normalise_email(email):
        raise WeakPassword(_l("The password must not be your e-mail address."))


def find_user(session: Session, email: str) -> User | None:
    """The account with this e-mail address (any case, surrounding spaces ignored), or None."""
    return session.scalars(select(User).where(User.email == normalise_email(email))).one_or_none()


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.trainee,
    preferred_language: str = "en",
) -> User:
    """Create an account. Raises EmailTaken, InvalidEmail, InvalidName, WeakPassword."""
    address = check_email(email)
    user = User(
        email=address,
        name=check_name(name),
        role=role,
        preferred_language=check_language(preferred_language),
        is_active_account=True,
    )
    check_password_policy(password, address)
    if find_user(session, address) is not None:
        raise EmailTaken()
    user.set_password(password)
    try:
        # A savepoint, so that losing a race for the address leaves the session usable.
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as error:
        raise EmailTaken() from error
    return user


def upsert_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    preferred_language: str,
) -> User:
    """Create the account, or reset an existing one to these values (and switch it on)."""
    user = find_user(session, email)
    if user is None:
        return create_user(
            session,
            email=email,
            name=name,
            password=password,
            role=role,
            preferred_language=preferred_language,
        )
    check_password_policy(password, user.email)
    user.name = check_name(name)
    user.role = role
    user.preferred_language = check_language(preferred_language)
    user.is_active_account = True
    user.set_password(password)
    session.flush()
    return user


@cache
def _dummy_hash() -> str:
    # Hashed with the same method as real passwords, so an unknown address costs the same time.
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The account if the password is right, else None. Raises AccountInactive.

    An unknown address still costs one password hash, so response times do not tell
    which addresses have accounts. AccountInactive is raised only after a right password.
    """
    user = find_user(session, email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password):
        return None
    if not user.is_active_account:
        raise AccountInactive()
    return user


def record_login(session: Session, user: User) -> None:
    """Note the time of a successful sign-in."""
    user.last_login_at = utcnow()
    session.flush()


def update_profile(session: Session, user: User, *, name: str, preferred_language: str) -> None:
    """Change the account's name and interface language. Raises InvalidName."""
    user.name = check_name(name)
    user.preferred_language = check_language(preferred_language)
    session.flush()


def change_password(
    session: Session, user: User, *, current_password: str, new_password: str
) -> None:
    """Replace the password after checking the current one. Raises WrongPassword, WeakPassword."""
    if not user.check_password(current_password):
        raise WrongPassword()
    set_new_password(session, user, new_password)


def set_new_password(session: Session, user: User, new_password: str) -> None:
    """Replace the password (after a reset link proved who the person is). Raises WeakPassword."""
    check_password_policy(new_password, user.email)
    user.set_password(new_password)
    session.flush()


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=RESET_LINK_SALT)


def _password_fingerprint(user: User) -> str:
    # Changes whenever the password does (every hash has a fresh salt): a token works once.
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:24]


def make_reset_token(user: User, *, secret_key: str) -> str:
    """A signed, URL-safe token that lets its holder set a new password for ``user`` once."""
    payload = {"user": user.id, "fp": _password_fingerprint(user)}
    return str(_reset_serializer(secret_key).dumps(payload))


def reset_token_expires_at(max_age_seconds: int) -> datetime:
    """When a token made now stops working."""
    return utcnow() + timedelta(seconds=max_age_seconds)


def user_for_reset_token(
    session: Session, token: str, *, secret_key: str, max_age_seconds: int
) -> User:
    """The account a reset token was made for. Raises InvalidResetToken."""
    try:
        payload = _reset_serializer(secret_key).loads(token, max_age=max_age_seconds)
    except SignatureExpired as error:  # the signature was checked before the age
        raise InvalidResetToken(expired=True) from error
    except BadSignature as error:
        raise InvalidResetToken(expired=False) from error
    if not isinstance(payload, dict):
        raise InvalidResetToken(expired=False)
    user_id, fingerprint = payload.get("user"), payload.get("fp")
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        raise InvalidResetToken(expired=False)
    user = session.get(User, user_id)
    if (
        user is None
        or not user.is_active_account
        or not hmac.compare_digest(fingerprint, _password_fingerprint(user))
    ):
        raise InvalidResetToken(expired=False)
    return user
