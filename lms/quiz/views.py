"""Quiz pages: rules and history, the attempt form, results, and item analysis for trainers.

Also what the course pages show about quizzes and completion, through context processors (the
courses feature cannot import this one), and the receiver that evaluates completion when a
lesson is opened.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_datetime, format_percent, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from lms.auth.access import role_required
from lms.auth.models import Role
from lms.courses import services as courses
from lms.courses.signals import lesson_opened
from lms.errors import render_error
from lms.extensions import db
from lms.i18n.locale import LANGUAGE_NAMES
from lms.quiz import analysis as item_analysis
from lms.quiz import presentation, services
from lms.quiz.models import QuizAttempt
from lms.templating import current_locale

bp = Blueprint("quiz", __name__)


# ---- completion and quiz entry points for every page ----------------------------------------


@lesson_opened.connect
def _evaluate_completion_on_lesson_opened(
    _sender: object, *, session: Session, user_id: int, module_version_id: int, **_kwargs: Any
) -> None:
    services.evaluate_completion(session, user_id, module_version_id)


def module_completion(module_id: str) -> services.CompletionSummary | None:
    """The signed-in user's latest completion of the module; one query per request, for all."""
    if not current_user.is_authenticated:
        return None
    if "_quiz_completions" not in g:
        g._quiz_completions = services.completions_by_module(db.session, int(current_user.id))
    completions: dict[str, services.CompletionSummary] = g._quiz_completions
    return completions.get(module_id)


def module_has_quiz(module: courses.ResolvedModule) -> bool:
    """Whether the module version shown has a quiz (for the module and lesson pages)."""
    return services.quiz_of(module.version) is not None


def score_percent(score: float | None) -> str:
    """A 0-100 score as a localised percentage with at most one decimal ("82.5%")."""
    if score is None:
        return ""
    return format_percent(score / 100, "#,##0.#%")


@bp.app_context_processor
def _quiz_helpers() -> dict[str, Any]:
    return {"module_completion": module_completion, "module_has_quiz": module_has_quiz}


bp.add_app_template_filter(score_percent, "score_percent")


@bp.context_processor
def _quiz_page_helpers() -> dict[str, Any]:
    return {"language_names": LANGUAGE_NAMES}


# ---- helpers ----------------------------------------------------------------------------------


def _module_or_404(module_id: str) -> courses.ResolvedModule:
    try:
        return courses.resolve_module(db.session, module_id, current_locale())
    except courses.ModuleNotFound:
        abort(404)


def get_attempt_or_404(attempt_id: int, user: Any) -> QuizAttempt:
    """The user's own attempt, or a 404 page (another user's attempt does not exist for them)."""
    attempt = services.get_attempt(db.session, attempt_id)
    if attempt is None or attempt.user_id != int(user.id):
        abort(404)
    return attempt


def _quiz_url(module_id: str) -> str:
    return url_for("quiz.show", module_id=module_id)


def _posted_answers(form: MultiDict[str, str]) -> dict[str, list[str]]:
    """Answers from the form: field ``q-<question id>`` holds the chosen option ids."""
    return {key[2:]: form.getlist(key) for key in form if key.startswith("q-")}


def _invalid_answer_message(error: services.InvalidAnswer) -> str:
    if error.problem == "question":
        return _(
            "The form contains an answer to question “%(question)s”, which is not part of "
            "this attempt. Nothing was saved.",
            question=error.question_id,
        )
    if error.problem == "option":
        return _(
            "Question “%(question)s” of this attempt has no option “%(option)s”. "
            "Nothing was saved.",
            question=error.question_id,
            option=error.option_id,
        )
    return _(
        "Question “%(question)s” takes one answer, but several were sent. Nothing was saved.",
        question=error.question_id,
    )


def _already_submitted(attempt: QuizAttempt) -> Response:
    db.session.rollback()
    flash(
        _(
            "This attempt was already submitted on %(date)s. Your answers were not changed.",
            date=format_datetime(attempt.submitted_at),
        ),
        "error",
    )
    return redirect(url_for("quiz.result", attempt_id=attempt.id))


def _start_refused_message(error: services.QuizError) -> str:
    if isinstance(error, services.AttemptLimitReached):
        return ngettext(
            "You have used the %(num)d attempt allowed for this quiz.",
            "You have used all %(num)d attempts allowed for this quiz.",
            error.allowed,
        )
    if isinstance(error, services.RetryNotYet):
        return _(
            "After an attempt that did not pass, this quiz asks you to wait. "
            "You can start your next attempt at %(time)s.",
            time=format_datetime(error.available_at),
        )
    return _("You have already passed this quiz.")


# ---- trainee pages ----------------------------------------------------------------------------


@bp.get("/modules/<module_id>/quiz")
@login_required
def show(module_id: str) -> str:
    """The quiz page: rules, attempts used, history, and Start or Resume."""
    module = _module_or_404(module_id)
    user_id = int(current_user.id)
    open_attempt = services.open_attempt(db.session, user_id, module_id)
    version = open_attempt.module_version if open_attempt else module.version
    quiz = services.quiz_of(version)
    if quiz is None:
        abort(404)
    return render_template(
        "quiz/quiz.html",
        module=module,
        version=version,
        quiz=quiz,
        question_count=min(quiz.get("draw") or len(quiz["questions"]), len(quiz["questions"])),
        is_enrolled=courses.get_enrolment(db.session, user_id, module_id) is not None,
        status=services.quiz_status(db.session, user_id, version),
        history=services.attempt_history(db.session, user_id, module_id),
        missing_lessons=services.lessons_not_opened(db.session, user_id, version),
    )


@bp.post("/modules/<module_id>/quiz/start")
@login_required
def start(module_id: str) -> Response:
    """Start an attempt (or resume the open one) and go to its form."""
    module = _module_or_404(module_id)
    try:
        attempt = services.start_attempt(db.session, int(current_user.id), module.version)
    except services.NoQuiz:
        abort(404)
    except services.NotEnrolled:
        flash(_("Enrol in this module to take its quiz."), "info")
        return redirect(url_for("courses.module", module_id=module_id))
    except (services.AlreadyPassed, services.AttemptLimitReached, services.RetryNotYet) as error:
        flash(_start_refused_message(error), "error")
        return redirect(_quiz_url(module_id))
    db.session.commit()
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


@bp.get("/quiz/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int) -> str | Response:
    """The attempt form, with the answers saved so far."""
    current = get_attempt_or_404(attempt_id, current_user)
    if current.submitted_at is not None:
        return redirect(url_for("quiz.result", attempt_id=current.id))
    questions = presentation.form_questions(current)
    return render_template(
        "quiz/attempt.html",
        attempt=current,
        version=current.module_version,
        questions=questions,
        answered=sum(1 for q in questions if q.is_answered),
    )


@bp.post("/quiz/attempts/<int:attempt_id>")
@login_required
def answer(attempt_id: int) -> Response | tuple[str, int]:
    """Save the answers (``action=save``) or submit them for grading (``action=submit``)."""
    attempt = get_attempt_or_404(attempt_id, current_user)
    action = request.form.get("action", "save")
    if action not in ("save", "submit"):
        return render_error(400, _("Choose “Save answers” or “Submit”."))
    posted = _posted_answers(request.form)
    try:
        if action == "submit":
            services.submit_attempt(db.session, attempt, posted)
        else:
            services.save_answers(db.session, attempt, posted)
    except services.AttemptAlreadySubmitted:
        return _already_submitted(attempt)
    except services.InvalidAnswer as error:
        db.session.rollback()
        return render_error(400, _invalid_answer_message(error))
    db.session.commit()
    if action == "submit":
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    flash(_("Your answers are saved. You can come back and finish later."), "success")
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


@bp.get("/quiz/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int) -> str | Response:
    """Score, pass or fail, and per question the choices, the right options and feedback."""
    attempt = get_attempt_or_404(attempt_id, current_user)
    if attempt.submitted_at is None:
        flash(_("Submit this attempt to see your score and feedback."), "info")
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id))
    version = attempt.module_version
    quiz = services.quiz_of(version) or {}
    status = services.quiz_status(db.session, attempt.user_id, version)
    return render_template(
        "quiz/result.html",
        attempt=attempt,
        version=version,
        pass_mark=quiz.get("pass_mark"),
        questions=presentation.review_questions(attempt),
        status=status,
        missing_lessons=services.lessons_not_opened(db.session, attempt.user_id, version),
    )


# ---- trainers ---------------------------------------------------------------------------------


@bp.get("/trainer/modules/<module_id>/quiz/analysis")
@role_required(Role.trainer)
def analysis(module_id: str) -> str:
    """Item analysis of a module's quiz: totals, score histogram and per-question figures."""
    version = request.args.get("version", type=int)
    language = request.args.get("language") or None
    try:
        report = item_analysis.item_analysis(
            db.session, module_id, version, language, display_language=current_locale()
        )
    except courses.ModuleNotFound:
        abort(404)
    except services.NoQuiz:
        if version is not None:
            abort(404)
        return render_template("quiz/analysis.html", report=None, module_id=module_id)
    return render_template("quiz/analysis.html", report=report, module_id=module_id)
