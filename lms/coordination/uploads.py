"""Keeping an uploaded CSV file between its preview and its confirmation (in the database)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.coordination.models import CsvUpload
from lms.db import utcnow

FILENAME_MAX_LENGTH = 255


def content_hash(data: bytes) -> str:
    """The SHA-256 of the file, in hex."""
    return hashlib.sha256(data).hexdigest()


def store_upload(
    session: Session, owner: User, filename: str, data: bytes, *, max_age: timedelta
) -> CsvUpload:
    """Keep the file under a new random token, for ``owner`` only, until ``max_age`` passes.

    Expired uploads of everyone are removed on the way.
    """
    purge_expired(session)
    upload = CsvUpload(
        token=secrets.token_urlsafe(32),
        owner_id=owner.id,
        filename=filename[:FILENAME_MAX_LENGTH] or "upload.csv",
        content=data,
        sha256=content_hash(data),
        expires_at=utcnow() + max_age,
    )
    session.add(upload)
    session.flush()
    return upload


def is_expired(upload: CsvUpload, now: datetime | None = None) -> bool:
    """Whether the upload is too old to be confirmed."""
    return (now or utcnow()) >= upload.expires_at


def is_intact(upload: CsvUpload) -> bool:
    """Whether the stored content still has the hash recorded at upload."""
    return secrets.compare_digest(content_hash(upload.content), upload.sha256)


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete expired uploads; returns how many."""
    result = session.execute(delete(CsvUpload).where(CsvUpload.expires_at <= (now or utcnow())))
    return int(getattr(result, "rowcount", 0) or 0)
