"""Issuing, finding, revoking and listing certificates.

One certificate per completion of a module version, issued when the quiz feature records the
completion (``lms.quiz.signals.module_completed``; see ``receivers``). Completions are unique per
trainee and module version number, so a certificate is renewed by completing a newer version of
the module: that completion issues a new certificate, and the old one stays valid until it
expires (``expires_at``, from the version's ``certificate_valid_months``).
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from lms.auth.models import User
from lms.certificates.codes import format_code, new_code, parse_code
from lms.certificates.models import Certificate, CertificateAction, CertificateEvent
from lms.certificates.pdf import CertificateContent
from lms.content.models import ModuleVersion
from lms.db import utcnow
from lms.quiz.models import Completion

SOURCE_LANGUAGE = "en"
REFRESHER_DAYS = 30  # "refresher due" this long before expiry
EXPIRING_CHOICES = (30, 60, 90)
REASON_MAX_LENGTH = 1000
_CODE_ATTEMPTS = 5


class CertificateError(Exception):
    """Base of the certificate feature's domain errors."""


class CertificateNotFound(CertificateError, LookupError):
    """No certificate has this code."""


class AlreadyRevoked(CertificateError):
    """The certificate was revoked before."""


class InvalidReason(CertificateError, ValueError):
    """A revocation needs a reason (of at most REASON_MAX_LENGTH characters)."""


class Status(enum.StrEnum):
    valid = "valid"
    expired = "expired"
    revoked = "revoked"


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months; the 31st becomes the last day of a shorter month."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, _days_in(year, month)))


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def status_of(certificate: Certificate, now: datetime | None = None) -> Status:
    """Valid, expired or revoked at ``now``."""
    if certificate.revoked_at is not None:
        return Status.revoked
    if certificate.expires_at is not None and certificate.expires_at <= (now or utcnow()):
        return Status.expired
    return Status.valid


def refresher_due(certificate: Certificate, now: datetime | None = None) -> bool:
    """Expired, or expiring within REFRESHER_DAYS (revoked certificates are not renewed)."""
    if certificate.revoked_at is not None or certificate.expires_at is None:
        return False
    return certificate.expires_at - (now or utcnow()) <= timedelta(days=REFRESHER_DAYS)


def english_title(session: Session, version: ModuleVersion) -> str:
    """The module's title in English: of the English version a translation was made from,
    else of the latest English version, else (no English at all) the version's own title."""
    if version.language == SOURCE_LANGUAGE:
        return version.title
    stmt = select(ModuleVersion.version, ModuleVersion.title).where(
        ModuleVersion.module_id == version.module_id, ModuleVersion.language == SOURCE_LANGUAGE
    )
    titles = dict(session.execute(stmt).tuples().all())
    if version.source_version in titles:
        return titles[version.source_version]
    return titles[max(titles)] if titles else version.title


def _for_completion(session: Session, completion_id: int) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.completion_id == completion_id))


def issue_certificate(
    session: Session, completion: Completion, *, organisation: str = "", now: datetime | None = None
) -> Certificate:
    """The certificate of ``completion``, issued now unless it exists (then that one).

    Names and titles are copied as they are now. A concurrent request issuing the same
    certificate loses on the unique constraint inside a SAVEPOINT and returns the winner's.
    """
    existing = _for_completion(session, completion.id)
    if existing is not None:
        return existing
    version = completion.module_version
    months = version.certificate_valid_months
    user = session.get(User, completion.user_id)
    if user is None:
        raise CertificateError(f"completion {completion.id} has no user")
    for _attempt in range(_CODE_ATTEMPTS):
        certificate = Certificate(
            code=new_code(),
            completion_id=completion.id,
            user_id=completion.user_id,
            module_id=completion.module_id,
            module_version_id=version.id,
            language=completion.language,
            holder_name=user.name,
            module_title=version.title,
            module_title_en=english_title(session, version),
            module_version_number=version.version,
            duration_minutes=version.duration_minutes,
            organisation=organisation.strip(),
            completed_at=completion.completed_at,
            issued_at=now or utcnow(),
            expires_at=add_months(completion.completed_at, months) if months else None,
        )
        certificate.events.append(CertificateEvent(action=CertificateAction.issued, actor_id=None))
        try:
            with session.begin_nested():
                session.add(certificate)
                session.flush()
        except IntegrityError:
            existing = _for_completion(session, completion.id)
            if existing is not None:
                return existing  # another request issued it first
            continue  # the random code was taken (about never with 80 bits): draw another
        return certificate
    raise CertificateError(f"no free certificate code after {_CODE_ATTEMPTS} attempts")


def find_by_code(session: Session, text: str) -> Certificate:
    """The certificate with a typed code. Raises MalformedCode, CodeTypo or CertificateNotFound."""
    code = parse_code(text)
    certificate = session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None:
        raise CertificateNotFound(code)
    return certificate


def certificates_of(session: Session, user_id: int) -> list[Certificate]:
    """A trainee's certificates, newest first."""
    stmt = (
        select(Certificate)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.completed_at.desc(), Certificate.id.desc())
    )
    return list(session.scalars(stmt))


def _newness(certificate: Certificate) -> tuple[datetime, int]:
    return certificate.completed_at, certificate.id


def latest_per_module(certificates: Sequence[Certificate]) -> set[int]:
    """Ids of the newest certificate of each module among ``certificates``: the ones that
    count for renewal (an older one is superseded once a newer version was completed)."""
    latest: dict[str, Certificate] = {}
    for certificate in certificates:
        best = latest.get(certificate.module_id)
        if best is None or (certificate.completed_at, certificate.id) > (
            best.completed_at,
            best.id,
        ):
            latest[certificate.module_id] = certificate
    return {certificate.id for certificate in latest.values()}


def revoke(
    session: Session,
    certificate: Certificate,
    actor: User,
    reason: str,
    now: datetime | None = None,
) -> CertificateEvent:
    """Revoke with a reason and record who did it. Raises InvalidReason or AlreadyRevoked."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX_LENGTH:
        raise InvalidReason(reason)
    if certificate.revoked_at is not None:
        raise AlreadyRevoked(certificate.code)
    moment = now or utcnow()
    certificate.revoked_at = moment
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.id
    event = CertificateEvent(
        action=CertificateAction.revoked, actor_id=actor.id, reason=reason, created_at=moment
    )
    certificate.events.append(event)
    session.flush()
    return event


def _not_superseded() -> ColumnElement[bool]:
    newer = aliased(Certificate)
    return ~exists().where(
        and_(
            newer.user_id == Certificate.user_id,
            newer.module_id == Certificate.module_id,
            newer.completed_at > Certificate.completed_at,
            newer.revoked_at.is_(None),
        )
    )


def expiring(
    session: Session,
    days: int,
    now: datetime | None = None,
    *,
    among: ColumnElement[bool] | None = None,
) -> list[Certificate]:
    """Unrevoked certificates that expire within ``days`` and were not renewed since,
    soonest first (these trainees need a refresher); only those matching ``among`` if given."""
    moment = now or utcnow()
    stmt = (
        select(Certificate)
        .where(
            Certificate.revoked_at.is_(None),
            Certificate.expires_at > moment,
            Certificate.expires_at <= moment + timedelta(days=days),
            _not_superseded(),
        )
        .order_by(Certificate.expires_at, Certificate.id)
    )
    if among is not None:
        stmt = stmt.where(among)
    return list(session.scalars(stmt))


def certificates_for_module(
    session: Session,
    module_id: str | None,
    limit: int | None = None,
    *,
    among: ColumnElement[bool] | None = None,
) -> list[Certificate]:
    """Certificates of a module (or of every module), newest first; only ``among`` if given."""
    stmt = select(Certificate).order_by(Certificate.completed_at.desc(), Certificate.id.desc())
    if module_id:
        stmt = stmt.where(Certificate.module_id == module_id)
    if among is not None:
        stmt = stmt.where(among)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def certified_modules(session: Session) -> list[tuple[str, str]]:
    """(module id, English title) of every module with certificates, by title."""
    stmt = select(Certificate.module_id, Certificate.module_title_en).order_by(
        Certificate.module_id, Certificate.completed_at.desc()
    )
    titles: dict[str, str] = {}
    for module_id, title in session.execute(stmt):
        titles.setdefault(module_id, title)  # the newest certificate's title
    return sorted(titles.items(), key=lambda item: (item[1].casefold(), item[0]))


def verification_url(code: str) -> str:
    """The public verification page of a code, as an absolute URL (needs a request or
    ``SERVER_NAME``)."""
    return url_for("certificates.verify_code", code=format_code(code), _external=True)


def pdf_content(certificate: Certificate, language: str, verify_url: str) -> CertificateContent:
    """What the PDF shows in ``language``: the language the module was taken in, or English."""
    english = language == SOURCE_LANGUAGE
    return CertificateContent(
        holder_name=certificate.holder_name,
        module_title=certificate.module_title_en if english else certificate.module_title,
        module_version=certificate.module_version_number,
        duration_minutes=certificate.duration_minutes,
        completed_at=certificate.completed_at,
        expires_at=certificate.expires_at,
        organisation=certificate.organisation,
        code=certificate.code,
        verify_url=verify_url,
        language=language,
    )
