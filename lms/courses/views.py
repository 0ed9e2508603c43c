"""Catalog, module pages, enrolment, lessons, resuming and "My learning"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.courses import services
from lms.courses.services import ModuleNotFound, ResolvedModule
from lms.extensions import db, login_manager
from lms.i18n.locale import LANGUAGE_NAMES
from lms.templating import current_locale

bp = Blueprint("courses", __name__)


@bp.record_once
def _sign_in_page(_state: BlueprintSetupState) -> None:
    # Lesson pages send anonymous visitors to the sign-in page (with next=) rather than a 401,
    # whatever the site-wide login view is.
    login_manager.blueprint_login_views.setdefault(bp.name, "auth.login")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"language_names": LANGUAGE_NAMES}


def _user_id() -> int | None:
    return int(current_user.id) if current_user.is_authenticated else None


def get_module_or_404(module_id: str) -> ResolvedModule:
    """The module as shown in the interface language, or a 404 page."""
    try:
        return services.resolve_module(db.session, module_id, current_locale())
    except ModuleNotFound:
        abort(404)


def _lesson_url(module_id: str, lesson_key: str) -> str:
    return url_for("courses.lesson", module_id=module_id, lesson_key=lesson_key)


@bp.get("/modules")
def catalog() -> str:
    """Every module in the interface language, with the trainee's status."""
    modules = services.resolve_modules(db.session, current_locale())
    items = services.load_progress(db.session, _user_id(), modules)
    return render_template("courses/catalog.html", items=items)


@bp.get("/modules/<module_id>")
def module(module_id: str) -> str:
    """The module page: what it covers, its lessons, and enrol / continue."""
    resolved = get_module_or_404(module_id)
    [progress] = services.load_progress(db.session, _user_id(), [resolved])
    wanted = list(resolved.version.prerequisites or [])
    known = {
        m.module_id: m
        for m in services.resolve_modules(db.session, current_locale(), wanted)
        if m.module_id != module_id
    }
    prerequisites = [(mid, known.get(mid)) for mid in wanted if mid != module_id]
    return render_template(
        "courses/module.html",
        module=resolved,
        progress=progress,
        prerequisites=prerequisites,
        sign_in_url=url_for("auth.login", next=url_for("courses.module", module_id=module_id)),
    )


@bp.post("/modules/<module_id>/enrol")
def enrol(module_id: str) -> Response:
    """Enrol the signed-in trainee (once) and open the first lesson."""
    if not current_user.is_authenticated:
        # A POST cannot be replayed after signing in, so come back to the module page.
        next_url = url_for("courses.module", module_id=module_id)
        return redirect(url_for("auth.login", next=next_url))
    resolved = get_module_or_404(module_id)
    _enrolment, created = services.enrol(db.session, int(current_user.id), module_id)
    db.session.commit()
    if created:
        flash(_("You are enrolled in “%(title)s”.", title=resolved.title), "success")
    first = resolved.first_lesson
    if first is None:
        return redirect(url_for("courses.module", module_id=module_id))
    return redirect(_lesson_url(module_id, first.key))


def _not_enrolled(module_id: str) -> Response:
    flash(_("Enrol in this module to open its lessons."), "info")
    return redirect(url_for("courses.module", module_id=module_id))


@bp.get("/modules/<module_id>/lessons/<lesson_key>")
@login_required
def lesson(module_id: str, lesson_key: str) -> str | Response:
    """Show a lesson to an enrolled trainee and record that it was opened."""
    resolved = get_module_or_404(module_id)
    ref = resolved.lesson(lesson_key)
    if ref is None:
        abort(404)
    enrolment = services.get_enrolment(db.session, int(current_user.id), module_id)
    if enrolment is None:
        return _not_enrolled(module_id)
    services.open_lesson(db.session, enrolment, resolved, ref.key)
    db.session.commit()
    [progress] = services.load_progress(db.session, int(current_user.id), [resolved])
    previous, following = resolved.neighbours(ref.key)
    html = ref.lesson.html
    return render_template(
        "courses/lesson.html",
        module=resolved,
        progress=progress,
        ref=ref,
        html=html,
        # Lesson bodies usually open with their own "# heading"; add one only when missing.
        show_title=not html.lstrip().lower().startswith("<h1"),
        previous=previous,
        following=following,
    )


@bp.get("/modules/<module_id>/continue")
@login_required
def resume(module_id: str) -> Response:
    """Go to the lesson where the trainee should carry on."""
    resolved = get_module_or_404(module_id)
    [progress] = services.load_progress(db.session, int(current_user.id), [resolved])
    if not progress.is_enrolled:
        return _not_enrolled(module_id)
    target = progress.resume_lesson
    if target is None:
        return redirect(url_for("courses.module", module_id=module_id))
    return redirect(_lesson_url(module_id, target.key))


@bp.get("/my-learning")
@login_required
def my_learning() -> str:
    """The trainee's enrolled modules with progress and a Continue button."""
    items = services.enrolled_modules(db.session, int(current_user.id), current_locale())
    return render_template("courses/my_learning.html", items=items)
