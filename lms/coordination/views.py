"""The coordination blueprint: its pages live in the ``views_*`` modules imported here."""

from __future__ import annotations

from lms.coordination import (  # noqa: F401  (importing registers their routes on bp)
    views_admin,
    views_cohorts,
    views_dashboard,
    views_import,
    views_organisations,
    views_reports,
)
from lms.coordination.blueprint import bp

__all__ = ["bp"]
