"""Certificate pages: public verification, a trainee's certificates and PDFs, and the
coordinators' list, revocation, expiry report and ZIP export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

import lms.certificates.receivers  # noqa: F401 - connects the issuing to module completions
from lms.auth.access import role_required
from lms.auth.models import Role, User
from lms.auth.ratelimit import limiter
from lms.auth.throttle import client_key, wait_message
from lms.certificates import services
from lms.certificates.codes import EXAMPLE, CodeTypo, MalformedCode, format_code
from lms.certificates.export import zip_download
from lms.certificates.forms import RevokeForm, VerifyForm
from lms.certificates.models import Certificate
from lms.certificates.pdf import Signature, render_pdf
from lms.certificates.scope import managed_by
from lms.certificates.services import Status
from lms.db import utcnow
from lms.errors import render_error
from lms.extensions import db
from lms.i18n.locale import LANGUAGE_NAMES

bp = Blueprint("certificates", __name__)


@dataclass(frozen=True)
class Shown:
    """A certificate with what its pages show about it now."""

    certificate: Certificate
    status: Status
    refresher_due: bool
    verify_url: str

    @property
    def code(self) -> str:
        return format_code(self.certificate.code)


def _shown(certificate: Certificate, now: datetime, counts_for_renewal: bool = True) -> Shown:
    return Shown(
        certificate=certificate,
        status=services.status_of(certificate, now),
        refresher_due=counts_for_renewal and services.refresher_due(certificate, now),
        verify_url=services.verification_url(certificate.code),
    )


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {"language_names": LANGUAGE_NAMES, "Status": Status, "Role": Role}


@bp.after_request
def _not_indexed(response: Response) -> Response:
    # Verification pages name people: keep them, and every page here, out of search engines.
    response.headers.setdefault("X-Robots-Tag", "noindex, nofollow")
    return response


def get_certificate_or_404(certificate_id: int, user: User) -> Certificate:
    """The holder's own certificate, or one the coordinator manages (admins: any); else 404."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    if certificate.user_id != user.id and not _manages(user, certificate_id):
        abort(404)
    return certificate


def get_managed_certificate_or_404(certificate_id: int, user: User) -> Certificate:
    """A certificate the coordinator manages (admins: any), even their own only if managed."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not _manages(user, certificate_id):
        abort(404)
    return certificate


def _manages(user: User, certificate_id: int) -> bool:
    if not user.is_authenticated:
        return False
    found = db.session.scalar(
        select(Certificate.id).where(Certificate.id == certificate_id, managed_by(user))
    )
    return found is not None


# Public verification ---------------------------------------------------------------------


def _lookup(form: VerifyForm, raw: str | None, *, from_link: bool) -> ResponseReturnValue:
    """Look a code up and render the verification page, counting lookups per address."""
    if raw is None:
        return render_template("certificates/verify.html", form=form)
    code = raw.strip()
    if not code:
        return render_template(
            "certificates/verify.html", form=form, error=_("Enter the certificate code.")
        )
    config = current_app.config
    window = int(config["VERIFY_LIMIT_WINDOW_SECONDS"])
    key = f"verify:address:{client_key()}"
    if not limiter().hit(key, int(config["VERIFY_LIMIT_PER_ADDRESS"]), window):
        message, seconds = wait_message(window)
        page = render_template("certificates/verify.html", form=form, error=message)
        return page, 429, {"Retry-After": str(seconds)}
    not_found = 404 if from_link else 200
    try:
        certificate = services.find_by_code(db.session, code)
    except CodeTypo:
        error = _("This code has a typo: check it again.")
        return render_template("certificates/verify.html", form=form, error=error), not_found
    except MalformedCode:
        error = _(
            "A certificate code has 17 letters and digits, like %(example)s. "
            "Check the code and try again.",
            example=EXAMPLE,
        )
        return render_template("certificates/verify.html", form=form, error=error), not_found
    except services.CertificateNotFound:
        error = _("No certificate has this code.")
        return render_template("certificates/verify.html", form=form, error=error), not_found
    return render_template(
        "certificates/verify.html",
        form=form,
        shown=_shown(certificate, utcnow()),
        can_manage=_manages(current_user, certificate.id),
    )


@bp.get("/verify")
def verify() -> ResponseReturnValue:
    """The public form: anyone can check a certificate code, without an account."""
    return _lookup(VerifyForm(request.args), request.args.get("code"), from_link=False)


@bp.get("/verify/<code>")
def verify_code(code: str) -> ResponseReturnValue:
    """The page a certificate's QR code and share link open."""
    return _lookup(VerifyForm(data={"code": code}), code, from_link=True)


# Trainees ---------------------------------------------------------------------------------


@bp.get("/my/certificates")
@login_required
def mine() -> str:
    """The signed-in trainee's certificates, with downloads, share links and renewals due."""
    certificates = services.certificates_of(db.session, int(current_user.id))
    current = services.latest_per_module(certificates)
    now = utcnow()
    items = [_shown(c, now, counts_for_renewal=c.id in current) for c in certificates]
    return render_template("certificates/mine.html", items=items)


@bp.get("/certificates/<int:certificate_id>/<language>.pdf")
@login_required
def download(certificate_id: int, language: str) -> ResponseReturnValue:
    """The PDF in the language the module was taken in, or in English."""
    certificate = get_certificate_or_404(certificate_id, current_user)
    if language not in (certificate.language, services.SOURCE_LANGUAGE):
        abort(404)
    if certificate.revoked_at is not None:
        return render_template("certificates/revoked.html", certificate=certificate), 410
    content = services.pdf_content(
        certificate, language, services.verification_url(certificate.code)
    )
    pdf = render_pdf(content, Signature.from_config(current_app.config))
    name = f"certificate-{format_code(certificate.code)}-{language}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# Coordinators and admins -----------------------------------------------------------------


@bp.get("/certificates")
@role_required(Role.coordinator)
def index() -> str:
    """Certificates by module, newest first, with the export and expiry links."""
    module_id = request.args.get("module", "").strip() or None
    limit = int(current_app.config["CERT_EXPORT_LIMIT"])
    certificates = services.certificates_for_module(
        db.session, module_id, limit=limit + 1, among=managed_by(current_user)
    )
    now = utcnow()
    return render_template(
        "certificates/index.html",
        modules=services.certified_modules(db.session),
        module_id=module_id,
        items=[_shown(c, now, counts_for_renewal=False) for c in certificates[:limit]],
        truncated=len(certificates) > limit,
        limit=limit,
    )


@bp.get("/certificates/<int:certificate_id>")
@role_required(Role.coordinator)
def detail(certificate_id: int) -> str:
    """One certificate: its facts, its history and the form to revoke it."""
    certificate = get_managed_certificate_or_404(certificate_id, current_user)
    return _detail_page(certificate, RevokeForm())


def _detail_page(certificate: Certificate, form: RevokeForm) -> str:
    return render_template(
        "certificates/detail.html",
        shown=_shown(certificate, utcnow(), counts_for_renewal=False),
        form=form,
    )


@bp.post("/certificates/<int:certificate_id>/revoke")
@role_required(Role.coordinator)
def revoke(certificate_id: int) -> ResponseReturnValue:
    """Revoke with a reason (required); the revocation is recorded with who and when."""
    certificate = get_managed_certificate_or_404(certificate_id, current_user)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _detail_page(certificate, form), 400
    try:
        services.revoke(db.session, certificate, current_user, form.reason.data or "")
    except services.AlreadyRevoked:
        flash(_("This certificate was already revoked."), "error")
        return redirect(url_for("certificates.detail", certificate_id=certificate_id))
    db.session.commit()
    flash(_("Certificate %(code)s is revoked.", code=format_code(certificate.code)), "success")
    return redirect(url_for("certificates.detail", certificate_id=certificate_id))


@bp.get("/certificates/expiring")
@role_required(Role.coordinator)
def expiring() -> ResponseReturnValue:
    """Certificates that expire within 30, 60 or 90 days and were not renewed."""
    raw = request.args.get("days", str(services.EXPIRING_CHOICES[0]))
    if raw not in {str(days) for days in services.EXPIRING_CHOICES}:
        return render_error(400, _("“days” must be 30, 60 or 90, not “%(value)s”.", value=raw))
    days = int(raw)
    now = utcnow()
    certificates = services.expiring(db.session, days, now, among=managed_by(current_user))
    return render_template(
        "certificates/expiring.html",
        days=days,
        choices=services.EXPIRING_CHOICES,
        items=[_shown(c, now, counts_for_renewal=False) for c in certificates],
    )


@bp.get("/certificates/export.zip")
@role_required(Role.coordinator)
def export() -> ResponseReturnValue:
    """A module's certificates as one ZIP of PDFs with a CSV manifest."""
    module_id = request.args.get("module", "").strip()
    if not module_id:
        return render_error(400, _("Choose the module whose certificates to download."))
    limit = int(current_app.config["CERT_EXPORT_LIMIT"])
    certificates = services.certificates_for_module(
        db.session, module_id, limit=limit + 1, among=managed_by(current_user)
    )
    if not certificates:
        return render_error(404, _("No certificates for module “%(module)s”.", module=module_id))
    if len(certificates) > limit:
        message = _(
            "Module “%(module)s” has more than %(limit)d certificates: too many for one "
            "download. An administrator can raise the limit (LMS_CERT_EXPORT_LIMIT).",
            module=module_id,
            limit=limit,
        )
        return render_error(400, message)
    ids = [c.id for c in certificates]
    return zip_download(db.session, ids, f"certificates-{module_id}.zip")
