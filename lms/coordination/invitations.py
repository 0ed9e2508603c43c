"""Invited accounts: created by a coordinator, activated by their owner through an e-mailed link.

An invited account has an unusable password hash (it starts with ``!``, which no password hash
does, so no password matches it and nobody can sign in). The invitation link is signed, carries
a fingerprint of that hash and expires after ``INVITATION_MAX_AGE_DAYS``: setting a password, or
sending a new link (which draws a new unusable hash), makes every earlier link stop working.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth import services as accounts
from lms.auth.models import Role, User
from lms.coordination.models import Invitation
from lms.coordination.services.errors import CoordinationError
from lms.db import utcnow
from lms.mail import MailError, send_mail

INVITATION_SALT = "passage.invitation"
UNUSABLE_PREFIX = "!"


class InvalidInvitation(CoordinationError):
    """An invitation link that is forged, used, replaced by a newer one or (``expired``) too old."""

    def __init__(self, *, expired: bool) -> None:
        if expired:
            reason = _l(
                "This invitation link has expired. Ask your training coordinator to send a new one."
            )
        else:
            reason = _l(
                "This invitation link is not valid any more: it has been used, or a newer "
                "one has been sent. If you have set your password, sign in."
            )
        super().__init__(reason)
        self.expired = expired


class AlreadyAccepted(CoordinationError):
    """The person has set a password already: there is nothing to invite them to."""

    def __init__(self) -> None:
        super().__init__(_l("This person has already set a password and can sign in."))


def unusable_password_hash() -> str:
    """A value for ``password_hash`` that no password matches (and that differs every time)."""
    return UNUSABLE_PREFIX + secrets.token_urlsafe(32)


def has_usable_password(user: User) -> bool:
    """Whether the account has a password of its own (an invited account has none yet)."""
    return not user.password_hash.startswith(UNUSABLE_PREFIX)


def create_invited_user(
    session: Session,
    *,
    email: str,
    name: str,
    preferred_language: str,
    invited_by: User | None,
) -> User:
    """A trainee account without a password, and its invitation (not sent yet).

    Raises InvalidEmail, InvalidName, EmailTaken (from lms.auth.services).
    """
    address = accounts.check_email(email)
    user = new_invited_user(
        email=address, name=accounts.check_name(name), preferred_language=preferred_language
    )
    if accounts.find_user(session, address) is not None:
        raise accounts.EmailTaken()
    session.add(user)
    session.flush()
    session.add(Invitation(user_id=user.id, invited_by_id=invited_by.id if invited_by else None))
    session.flush()
    return user


def new_invited_user(*, email: str, name: str, preferred_language: str) -> User:
    """An unsaved trainee account without a password, from already checked values."""
    return User(
        email=email,
        name=name,
        role=Role.trainee,
        preferred_language=accounts.check_language(preferred_language),
        is_active_account=True,
        password_hash=unusable_password_hash(),
    )


def get_invitation(session: Session, user: User) -> Invitation | None:
    """The account's invitation, or None for accounts made otherwise."""
    return session.scalar(select(Invitation).where(Invitation.user_id == user.id))


def renew_invitation(session: Session, user: User, *, invited_by: User | None) -> Invitation:
    """Prepare a new link for a person who has not set a password: earlier links stop working.

    Accounts made before (e.g. by CSV for someone who never signed in) get an invitation row.
    Raises AlreadyAccepted.
    """
    if has_usable_password(user):
        raise AlreadyAccepted()
    user.password_hash = unusable_password_hash()
    invitation = get_invitation(session, user)
    if invitation is None:
        invitation = Invitation(
            user_id=user.id, invited_by_id=invited_by.id if invited_by else None
        )
        session.add(invitation)
    session.flush()
    return invitation


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=INVITATION_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:24]


def make_invitation_token(user: User, *, secret_key: str) -> str:
    """A signed token that lets its holder set the invited account's first password, once."""
    return str(_serializer(secret_key).dumps({"user": user.id, "fp": _fingerprint(user)}))


def user_for_invitation_token(
    session: Session, token: str, *, secret_key: str, max_age_seconds: int
) -> User:
    """The invited account the token was made for. Raises InvalidInvitation."""
    try:
        payload = _serializer(secret_key).loads(token, max_age=max_age_seconds)
    except SignatureExpired as error:
        raise InvalidInvitation(expired=True) from error
    except BadSignature as error:
        raise InvalidInvitation(expired=False) from error
    if not isinstance(payload, dict):
        raise InvalidInvitation(expired=False)
    user_id, fingerprint = payload.get("user"), payload.get("fp")
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        raise InvalidInvitation(expired=False)
    user = session.get(User, user_id)
    if (
        user is None
        or not user.is_active_account
        or has_usable_password(user)
        or not hmac.compare_digest(fingerprint, _fingerprint(user))
    ):
        raise InvalidInvitation(expired=False)
    return user


def accept_invitation(session: Session, user: User, password: str) -> None:
    """Set the invited person's first password. Raises WeakPassword (lms.auth.services)."""
    accounts.set_new_password(session, user, password)
    invitation = get_invitation(session, user)
    if invitation is not None:
        invitation.accepted_at = utcnow()
    session.flush()


def max_age_seconds() -> int:
    """How long an invitation link works, from ``INVITATION_MAX_AGE_DAYS``."""
    return int(current_app.config["INVITATION_MAX_AGE_DAYS"]) * 24 * 3600


def invitation_link(user: User) -> str:
    """The absolute set-password link for ``user`` (needs a request or ``SERVER_NAME``)."""
    token = make_invitation_token(user, secret_key=current_app.config["SECRET_KEY"])
    return url_for("coordination.invitation", token=token, _external=True)


def compose_invitation(
    user: User, link: str, expires_at: datetime, inviter: User | None
) -> tuple[str, str]:
    """Subject and body of the invitation, in the invited person's language."""
    site = current_app.config["SITE_NAME"]
    with force_locale(user.preferred_language):
        subject = _("You are invited to %(site)s", site=site)
        if inviter is not None:
            opening = _(
                "%(inviter)s has created an account for you on %(site)s, the training site "
                "for people who assist victims of trafficking. Your sign-in name is %(email)s.",
                inviter=inviter.name,
                site=site,
                email=user.email,
            )
        else:
            opening = _(
                "An account has been created for you on %(site)s, the training site for people "
                "who assist victims of trafficking. Your sign-in name is %(email)s.",
                site=site,
                email=user.email,
            )
        body = "\n".join(
            [
                _("Hello %(name)s,", name=user.name),
                "",
                opening,
                "",
                _("To start, choose your password with this link:"),
                "",
                link,
                "",
                _(
                    "The link works once, until %(date)s. If it has expired, ask your "
                    "training coordinator to send a new one.",
                    date=format_date(expires_at, "long"),
                ),
                "",
                site,
            ]
        )
    return subject, body


def send_invitation(session: Session, user: User, *, inviter: User | None) -> None:
    """Mail ``user`` a fresh set-password link and note when. Raises MailError.

    Call after the account is committed: the link must point at an existing account.
    """
    link = invitation_link(user)
    expires_at = utcnow() + timedelta(seconds=max_age_seconds())
    subject, body = compose_invitation(user, link, expires_at, inviter)
    send_mail(user.email, subject, body)
    invitation = get_invitation(session, user)
    if invitation is None:
        invitation = Invitation(user_id=user.id, invited_by_id=inviter.id if inviter else None)
        session.add(invitation)
    invitation.sent_at = utcnow()
    invitation.send_count = (invitation.send_count or 0) + 1
    session.flush()


def send_invitations(
    session: Session, users: Iterable[User], *, inviter: User | None
) -> tuple[int, list[User]]:
    """Send each user their invitation; returns (sent, users whose mail failed).

    One failure does not stop the others: the failed ones can be sent again later.
    """
    sent, failed = 0, []
    for user in users:
        try:
            send_invitation(session, user, inviter=inviter)
        except MailError:
            current_app.logger.exception("Invitation mail for user %s failed", user.id)
            failed.append(user)
        else:
            sent += 1
    return sent, failed


def unsent_invitations(session: Session) -> list[User]:
    """Invited people who have no password and whose invitation was never sent."""
    return list(
        session.scalars(
            select(User)
            .join(Invitation, Invitation.user_id == User.id)
            .where(
                Invitation.sent_at.is_(None),
                Invitation.accepted_at.is_(None),
                User.password_hash.startswith(UNUSABLE_PREFIX),
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        )
    )
