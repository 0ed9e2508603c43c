"""WSGI entry point for gunicorn: ``gunicorn 'lms.wsgi:app'``.

Exits at start-up, with a message saying what to do, when the configuration is unusable
or the database schema is not at the latest migration.
"""

import sys

from lms import create_app
from lms.config import ConfigError
from lms.schema import SchemaOutOfDate, check_schema

try:
    app = create_app()
    with app.app_context():
        if app.config["SCHEMA_CHECK"]:
            check_schema(app.extensions["lms.db"].engine)
except (ConfigError, SchemaOutOfDate) as error:
    print(f"Passage cannot start: {error}", file=sys.stderr)
    sys.exit(4)  # gunicorn stops instead of restarting workers forever
