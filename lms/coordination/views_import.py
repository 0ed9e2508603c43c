"""Coordination pages: CSV bulk import (upload, preview, confirm) and accepting an invitation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import PurePath

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from lms.auth import services as accounts
from lms.auth.access import role_required
from lms.auth.forms import ResetPasswordForm
from lms.auth.models import Role
from lms.auth.throttle import forget_login_failures
from lms.coordination import csv_import, invitations, uploads
from lms.coordination.access import get_upload_or_404
from lms.coordination.blueprint import actor, bp, invite
from lms.coordination.forms import ConfirmImportForm, UploadForm
from lms.coordination.models import CsvUpload
from lms.db import utcnow
from lms.extensions import db

ACCEPTED_SUFFIXES = {".csv", ".txt", ".tsv", ""}


def _limits() -> csv_import.Limits:
    return csv_import.Limits.from_config(current_app.config)


def _read(file: FileStorage, limits: csv_import.Limits) -> bytes:
    # One byte over the limit is enough to say "too large" without reading a huge upload.
    return file.stream.read(limits.max_bytes + 1)


@bp.route("/coordination/import", methods=["GET", "POST"])
@role_required(Role.coordinator)
def import_upload() -> ResponseReturnValue:
    """Step 1: choose a CSV file. It is checked as a whole, then kept for the preview."""
    form = UploadForm()
    if form.validate_on_submit():
        file: FileStorage = form.file.data
        filename = PurePath(file.filename or "").name
        limits = _limits()
        if PurePath(filename).suffix.lower() not in ACCEPTED_SUFFIXES:
            form.file.errors = [
                _(
                    "“%(name)s” is not a CSV file. Choose a file whose name ends in .csv.",
                    name=filename,
                )
            ]
        else:
            data = _read(file, limits)
            try:
                csv_import.parse(data, limits)
            except csv_import.CsvFileError as error:
                form.file.errors = [str(error)]
            else:
                hours = int(current_app.config["CSV_UPLOAD_MAX_AGE_HOURS"])
                upload = uploads.store_upload(
                    db.session, actor(), filename, data, max_age=timedelta(hours=hours)
                )
                db.session.commit()
                return redirect(url_for("coordination.import_preview", token=upload.token))
    limits = _limits()
    return render_template(
        "coordination/import_upload.html",
        form=form,
        max_mb=format_decimal(limits.max_bytes / (1024 * 1024), format="#,##0.#"),
        max_rows=format_decimal(limits.max_rows),
    )


def _expired_page(upload: CsvUpload) -> tuple[str, int]:
    return render_template("coordination/import_expired.html", upload=upload), 410


@bp.get("/coordination/import/<token>")
@role_required(Role.coordinator)
def import_preview(token: str) -> ResponseReturnValue:
    """Step 2: the dry run. Every row that will be created or updated, and every problem."""
    upload = get_upload_or_404(token, actor())
    if upload.committed_at is not None:
        return render_template("coordination/import_done.html", upload=upload)
    if uploads.is_expired(upload):
        return _expired_page(upload)
    try:
        plan = csv_import.plan_import(db.session, upload.content, actor(), _limits())
    except csv_import.CsvFileError as error:
        return render_template(
            "coordination/import_preview.html", upload=upload, plan=None, file_error=str(error)
        )
    form = ConfirmImportForm(formdata=None, sha256=upload.sha256)
    return render_template(
        "coordination/import_preview.html", upload=upload, plan=plan, form=form, file_error=None
    )


@bp.post("/coordination/import/<token>")
@role_required(Role.coordinator)
def import_confirm(token: str) -> ResponseReturnValue:
    """Step 3: import everything in one transaction, or nothing; then send the invitations."""
    upload = get_upload_or_404(token, actor(), lock=True)
    if upload.committed_at is not None:
        flash(_("This file has already been imported."), "success")
        return redirect(url_for("coordination.import_preview", token=token))
    if uploads.is_expired(upload):
        return _expired_page(upload)
    form = ConfirmImportForm()
    # The confirmation names the file it confirms; the stored file must still be that file.
    if not form.validate_on_submit() or form.sha256.data != upload.sha256:
        abort(400)
    if not uploads.is_intact(upload):
        abort(400)
    try:
        result = csv_import.commit_import(db.session, upload.content, actor(), _limits())
    except (csv_import.CsvFileError, csv_import.ImportHasProblems) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("coordination.import_preview", token=token))
    except IntegrityError:
        db.session.rollback()
        flash(
            _(
                "Someone changed the same accounts at the same moment, so nothing was imported. "
                "Please confirm again."
            ),
            "error",
        )
        return redirect(url_for("coordination.import_preview", token=token))
    upload.committed_at = utcnow()
    upload.result = result.as_dict()
    db.session.commit()
    flash(_("The file has been imported."), "success")
    invite(result.created)
    return redirect(url_for("coordination.import_preview", token=token))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str) -> ResponseReturnValue:
    """The link in an invitation: the invited person chooses their first password."""
    try:
        user = invitations.user_for_invitation_token(
            db.session,
            token,
            secret_key=current_app.config["SECRET_KEY"],
            max_age_seconds=invitations.max_age_seconds(),
        )
    except invitations.InvalidInvitation as error:
        return render_template("coordination/invitation_invalid.html", message=str(error)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            invitations.accept_invitation(db.session, user, form.password.data or "")
        except accounts.WeakPassword as error:
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            forget_login_failures(user.email)
            flash(_("Your password is set. Please sign in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("coordination/invitation.html", form=form, token=token, user=user)
