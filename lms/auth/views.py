"""Sign-in and sign-out, registration, the account page and password reset."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from lms.auth import services
from lms.auth.emails import send_password_reset
from lms.auth.forms import (
    ROLE_LABELS,
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from lms.auth.models import User
from lms.auth.ratelimit import limiter
from lms.auth.throttle import (
    LoginThrottle,
    account_key,
    client_key,
    forget_login_failures,
    wait_message,
)
from lms.extensions import db, login_manager
from lms.i18n.locale import SESSION_KEY
from lms.mail import MailError
from lms.security import safe_next
from lms.templating import current_locale

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to open this page.")
login_manager.localize_callback = str  # flash a plain string in the page's language
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in account; a switched-off account is signed out on its next request."""
    raw_id, _sep, fingerprint = user_id.partition(".")
    try:
        user = db.session.get(User, int(raw_id))
    except ValueError:
        return None
    if user is None or not user.is_active_account or not user.matches_session(fingerprint):
        return None  # unknown, switched off, or the password changed since this sign-in
    return user


@bp.context_processor
def _auth_template_values() -> dict[str, object]:
    return {"password_min_length": services.PASSWORD_MIN_LENGTH}


def _landing(next_url: str | None = None) -> Response:
    return redirect(next_url or url_for("courses.catalog"))


def _sign_in(user: User, remember: bool = False) -> None:
    services.record_login(db.session, user)
    db.session.commit()
    login_user(user, remember=remember)
    session[SESSION_KEY] = user.preferred_language  # the interface follows the account


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return _landing(next_url)
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, next_url=next_url)

    email = form.email.data or ""
    throttle = LoginThrottle(email)
    if not throttle.allow():
        message, seconds = wait_message(throttle.window)
        page = render_template("auth/login.html", form=form, next_url=next_url, error=message)
        return page, 429, {"Retry-After": str(seconds)}
    try:
        user = services.authenticate(db.session, email, form.password.data or "")
    except services.AccountInactive as error:
        return render_template("auth/login.html", form=form, next_url=next_url, error=str(error))
    if user is None:
        # One message for an unknown address and a wrong password: it reveals no accounts.
        error_message = _("The e-mail address or the password is not correct.")
        return render_template("auth/login.html", form=form, next_url=next_url, error=error_message)
    throttle.succeeded()
    _sign_in(user, remember=bool(form.remember.data))
    return _landing(next_url)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        logout_user()
        flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    if not current_app.config["REGISTRATION_OPEN"]:
        abort(404)
    if current_user.is_authenticated:
        return _landing()
    form = RegisterForm()
    if request.method == "GET":
        form.preferred_language.data = current_locale()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                db.session,
                email=form.email.data or "",
                name=form.name.data or "",
                password=form.password.data or "",
                preferred_language=form.preferred_language.data or "en",
            )
        except (services.EmailTaken, services.InvalidEmail) as error:
            form.email.errors.append(str(error))
        except services.InvalidName as error:
            form.name.errors.append(str(error))
        except services.WeakPassword as error:
            form.password.errors.append(str(error))
        else:
            _sign_in(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return _landing()
    return render_template("auth/register.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    user: User = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                db.session,
                user,
                name=form.name.data or "",
                preferred_language=form.preferred_language.data or user.preferred_language,
            )
        except services.InvalidName as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            session[SESSION_KEY] = user.preferred_language
            flash(_("Your account has been updated."), "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html", form=form, user=user, role_label=ROLE_LABELS[user.role]
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    user: User = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                db.session,
                user,
                current_password=form.current_password.data or "",
                new_password=form.password.data or "",
            )
        except services.WrongPassword as error:
            form.current_password.errors.append(str(error))
        except services.WeakPassword as error:
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            login_user(user)  # this session stays signed in; all others are signed out
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
def reset_request() -> ResponseReturnValue:
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_template("auth/reset_request.html", form=form)
    config = current_app.config
    window = int(config["LOGIN_LIMIT_WINDOW_SECONDS"])
    per_address = int(config["LOGIN_LIMIT_PER_ADDRESS"])
    per_account = int(config["LOGIN_LIMIT_PER_ACCOUNT"])
    counters = limiter()
    if not counters.hit(f"reset:address:{client_key()}", per_address, window):
        message, seconds = wait_message(window)
        page = render_template("auth/reset_request.html", form=form, error=message)
        return page, 429, {"Retry-After": str(seconds)}

    email = form.email.data or ""
    user = services.find_user(db.session, email)
    # Past the per-account limit nothing is sent, silently: the answer stays the same and
    # nobody can flood someone's mailbox with reset links.
    if (
        user is not None
        and user.is_active_account
        and counters.hit(f"reset:account:{account_key(email)}", per_account, window)
    ):
        max_age = int(config["PASSWORD_RESET_MAX_AGE_SECONDS"])
        token = services.make_reset_token(user, secret_key=config["SECRET_KEY"])
        link = url_for("auth.reset_password", token=token, _external=True)
        try:
            send_password_reset(user, link, services.reset_token_expires_at(max_age))
        except MailError:
            # Saying so would tell the visitor that the address has an account.
            current_app.logger.exception("Password reset mail for user %s failed", user.id)
    flash(
        _(
            "If an account uses %(email)s, a link to choose a new password is on its way "
            "there. Please check your e-mail, including the spam folder.",
            email=services.normalise_email(email),
        ),
        "success",
    )
    return redirect(url_for("auth.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    config = current_app.config
    try:
        user = services.user_for_reset_token(
            db.session,
            token,
            secret_key=config["SECRET_KEY"],
            max_age_seconds=int(config["PASSWORD_RESET_MAX_AGE_SECONDS"]),
        )
    except services.InvalidResetToken as error:
        return render_template("auth/reset_invalid.html", message=str(error)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_new_password(db.session, user, form.password.data or "")
        except services.WeakPassword as error:
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            # Whoever was locked out by failed attempts has now proved who they are.
            forget_login_failures(user.email)
            flash(_("Your new password is set. Please sign in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, token=token, user=user)
