# PLACEHOLDER: replaced by the auth implementation.
from flask import Blueprint

from lms.auth.models import User
from lms.extensions import db, login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@bp.route("/login", methods=["GET", "POST"])
def login() -> str:
    return "login"


@bp.post("/logout")
def logout() -> str:
    return "logout"


@bp.route("/register", methods=["GET", "POST"])
def register() -> str:
    return "register"


@bp.get("/account")
def account() -> str:
    return "account"
