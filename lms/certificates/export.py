"""Many certificates as one ZIP: a PDF each (in the language taken) and a CSV manifest.

Coordinators download a module's certificates from ``/certificates/export.zip?module=``; the
cohort pages (coordination feature) are meant to call ``certificates_zip`` with a cohort's
certificate ids. The archive is written to a file object, so a view can spool it to disk
instead of holding every PDF in memory.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from flask import Response, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.certificates.codes import format_code
from lms.certificates.models import Certificate
from lms.certificates.pdf import Signature, render_pdf
from lms.certificates.services import pdf_content, status_of, verification_url
from lms.db import utcnow

MANIFEST = "certificates.csv"
MANIFEST_COLUMNS = (
    "code",
    "holder",
    "module",
    "version",
    "language",
    "completed",
    "expires",
    "status",
    "file",
)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _file_name(certificate: Certificate) -> str:
    """``<module>/<holder name> <code>.pdf``, safe on every file system, names kept readable."""
    holder = " ".join(_UNSAFE.sub(" ", certificate.holder_name).split()).strip(".")[:80]
    holder = holder or "certificate"
    return f"{certificate.module_id}/{holder} {format_code(certificate.code)}.pdf"


def _cell(value: str) -> str:
    # Spreadsheets run cells that start like a formula; a quote makes them plain text.
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_certificates_zip(
    session: Session,
    certificate_ids: Iterable[int],
    out: IO[bytes],
    *,
    url_for_code: Callable[[str], str] = verification_url,
) -> int:
    """Write a ZIP of the certificates' PDFs and a manifest to ``out``; returns the number of
    PDFs. Revoked certificates get no PDF; the manifest lists them with their status."""
    ids = list(dict.fromkeys(certificate_ids))
    stmt = (
        select(Certificate)
        .where(Certificate.id.in_(ids))
        .order_by(Certificate.module_id, Certificate.holder_name, Certificate.id)
    )
    certificates = list(session.scalars(stmt)) if ids else []
    signature = Signature.from_config(current_app.config)
    now = utcnow()
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(
        [
            "code",
            "holder",
            "module",
            "version",
            "language",
            "completed",
            "expires",
            "status",
            "file",
        ]
    )
    written = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            status = status_of(certificate, now)
            name = ""
            if certificate.revoked_at is None:
                name = _file_name(certificate)
                content = pdf_content(
                    certificate, certificate.language, url_for_code(certificate.code)
                )
                archive.writestr(name, render_pdf(content, signature))
                written += 1
            writer.writerow(
                [
                    format_code(certificate.code),
                    _cell(certificate.holder_name),
                    certificate.module_id,
                    certificate.module_version_number,
                    certificate.language,
                    certificate.completed_at.date().isoformat(),
                    certificate.expires_at.date().isoformat() if certificate.expires_at else "",
                    status.value,
                    name,
                ]
            )
        # UTF-8 with a byte-order mark, so spreadsheet programs read Hangul and Hanzi right.
        archive.writestr(MANIFEST, "\ufeff" + manifest.getvalue())
    return written


def certificates_zip(session: Session, certificate_ids: Iterable[int]) -> bytes:
    """The certificates as one ZIP in memory (see ``write_certificates_zip`` to spool it)."""
    buffer = io.BytesIO()
    write_certificates_zip(session, certificate_ids, buffer)
    return buffer.getvalue()


ZIP_SPOOL_BYTES = 32 * 1024 * 1024  # larger archives go to a temporary file, not memory


def zip_download(session: Session, certificate_ids: list[int], filename: str) -> Response:
    """A streamed ZIP download of these certificates (spooled to disk when large)."""
    spool = tempfile.SpooledTemporaryFile(max_size=ZIP_SPOOL_BYTES)
    try:
        write_certificates_zip(session, certificate_ids, spool)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return Response(
        _stream(spool),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Length": str(size),
        },
    )


def _stream(spool: IO[bytes]) -> Iterator[bytes]:
    """Send a spooled file in blocks, and close (delete) it however the response ends."""
    try:
        while block := spool.read(64 * 1024):
            yield block
    finally:
        spool.close()
