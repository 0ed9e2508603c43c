# PLACEHOLDER: replaced by the courses implementation.
from flask import Blueprint, render_template

bp = Blueprint("courses", __name__)


@bp.get("/modules")
def catalog() -> str:
    return render_template("errors/error.html", code=200, title="Modules", message="")


@bp.get("/my-learning")
def my_learning() -> str:
    return "my learning"
