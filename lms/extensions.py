"""Flask extensions, created without an app; ``create_app`` binds them."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from lms.db import db

login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()

__all__ = ["babel", "csrf", "db", "login_manager"]
