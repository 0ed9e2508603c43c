# PLACEHOLDER: replaced by the content implementation.
from flask import Blueprint

bp = Blueprint("content", __name__)


@bp.get("/content/status")
def status() -> str:
    return "status"
