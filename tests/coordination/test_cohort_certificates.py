"""A coordinator downloads a cohort's certificates as one ZIP, and only their own cohorts'."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lms.certificates.services import issue_certificate
from lms.coordination.models import CohortModule, CohortParticipant
from tests.conftest import sign_in
from tests.factories import (
    make_cohort,
    make_completion,
    make_coordinator,
    make_member,
    make_module_version,
    make_organisation,
)


def test_cohort_certificates_download_as_one_zip_for_the_cohorts_coordinator_only(
    client: FlaskClient, session: Session
) -> None:
    centre = make_organisation(session, name="Hana Centre Busan")
    other = make_organisation(session, name="Elsewhere Shelter")
    assigned = make_module_version(session, "trafficking-basics")
    unassigned = make_module_version(session, "safe-interviewing")
    trainee = make_member(session, centre, name="김민지")
    cohort = make_cohort(session, (centre,))
    session.add(CohortParticipant(cohort_id=cohort.id, user_id=trainee.id))
    session.add(
        CohortModule(cohort_id=cohort.id, module_id="trafficking-basics", due_on=date(2025, 4, 1))
    )
    kept = issue_certificate(session, make_completion(session, trainee, assigned))
    issue_certificate(session, make_completion(session, trainee, unassigned))
    session.commit()

    sign_in(client, make_coordinator(session, (other,)))
    session.commit()
    assert client.get(f"/coordination/cohorts/{cohort.id}/certificates.zip").status_code == 404

    sign_in(client, make_coordinator(session, (centre,)))
    session.commit()
    page = client.get(f"/coordination/cohorts/{cohort.id}")
    assert f"/coordination/cohorts/{cohort.id}/certificates.zip" in page.text
    response = client.get(f"/coordination/cohorts/{cohort.id}/certificates.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    pdfs = [n for n in zipfile.ZipFile(io.BytesIO(response.data)).namelist() if n.endswith(".pdf")]
    assert len(pdfs) == 1
    assert pdfs[0].startswith("trafficking-basics/김민지 ")
    assert kept.code[:4] in pdfs[0].replace("-", "")


def test_cohort_without_certificates_says_so(client: FlaskClient, session: Session) -> None:
    centre = make_organisation(session)
    cohort = make_cohort(session, (centre,))
    sign_in(client, make_coordinator(session, (centre,)))
    session.commit()
    response = client.get(f"/coordination/cohorts/{cohort.id}/certificates.zip")
    assert response.status_code == 404
    assert "No participant of this cohort has a certificate yet." in response.text
