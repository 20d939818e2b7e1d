"""A medical reviewer records their review from the readiness board at phone size, and the
board changes: Jordan's done checklist becomes Ready only once "proceed" is recorded."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete
from sqlmodel import Session, select

from app.models import ClinicianReview, MedicineSession
from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import check_page, sign_in, sign_out

pytestmark = pytest.mark.browser

COHORT_ID = 1
NOTE = "Spoke with Jordan by phone this morning"


def test_a_medical_reviewer_records_a_review_and_the_board_changes(pages, live_server):
    engine = live_server.app.extensions["tend_engine"]
    with Session(engine) as db:
        session_id = db.exec(
            select(MedicineSession.id).where(
                MedicineSession.cohort_id == COHORT_ID, MedicineSession.number == 1
            )
        ).one()
    page = pages.page(viewport={"width": 390, "height": 844})
    try:
        sign_in(page, "medical@example.org", DEMO_PASSWORD)
        page.goto(f"/team/cohorts/{COHORT_ID}/sessions/{session_id}/board")
        # At 390 px the board is one card per person.
        jordan = (
            page.get_by_role("list", name="Readiness")
            .get_by_role("listitem")
            .filter(has=page.get_by_role("heading", name=re.compile("Jordan")))
        )
        expect(jordan).to_contain_text("Checklist done")
        expect(jordan).to_contain_text("Not reviewed yet")
        expect(jordan).not_to_contain_text("Ready")
        check_page(page)

        jordan.get_by_role("link", name="Record a review of Jordan").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Review of Jordan")
        check_page(page)
        # Nothing chosen: a kind message, and the note typed is still there.
        page.get_by_label("Note (optional)").fill(NOTE)
        page.get_by_role("button", name="Record the review").click()
        expect(page.get_by_text("Please choose an outcome.")).to_be_visible()
        expect(page.get_by_label("Note (optional)")).to_have_value(NOTE)
        check_page(page)
        page.get_by_text("Proceed", exact=True).click()
        page.get_by_role("button", name="Record the review").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Readiness for session 1")
        expect(page.get_by_role("status")).to_contain_text("Your review of Jordan is recorded.")
        expect(jordan).to_contain_text("Ready")
        expect(jordan).to_contain_text("Proceed")
        expect(jordan).to_contain_text("by Sam Nurse")
        expect(page.get_by_text(NOTE)).to_have_count(0)  # the note stays on the review page
        check_page(page)
        page.goto("/")
        sign_out(page)
    finally:
        # The demo server is shared by the journeys: leave Jordan unreviewed for the others.
        with Session(engine) as db:
            db.exec(delete(ClinicianReview).where(ClinicianReview.session_id == session_id))
            db.commit()
