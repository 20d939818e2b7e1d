"""Meetings in Chromium at phone size: a facilitator takes a small group's attendance at
390 px in a few taps, and the participant sees their own on their meetings page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from app.models import Attendance, User
from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import check_page, sign_in, sign_out

pytestmark = pytest.mark.browser

COHORT_ID = 1


def test_a_facilitator_takes_attendance_on_a_phone_and_the_participant_sees_their_own(
    pages, live_server
):
    page = pages.page()
    sign_in(page, "facilitator@example.org", DEMO_PASSWORD)
    page.goto(f"/team/cohorts/{COHORT_ID}")
    page.get_by_role("link", name="Attendance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance")
    check_page(page)
    # The newest Cedar meeting first among Cedar's: one tap opens it.
    page.get_by_role("link", name=re.compile("Small group: Cedar")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Small group: Cedar")
    check_page(page)
    jordan = page.get_by_role("group", name="Jordan")
    expect(jordan.get_by_label("Present")).to_be_checked()
    # One tap marks Casey excused; the label is the target.
    page.get_by_role("group", name="Casey").get_by_text("Excused").click()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("status")).to_contain_text("Attendance is saved for")
    check_page(page)
    engine = live_server.app.extensions["tend_engine"]
    with Session(engine) as db:
        people = {u.display_name: u.id for u in db.exec(select(User))}
        rows = {r.user_id: r.status for r in db.exec(select(Attendance))}
    assert rows[people["Casey"]] == "excused"
    assert rows[people["Jordan"]] == "present"
    sign_out(page)

    sign_in(page, "participant2@example.org", DEMO_PASSWORD, audit=False)
    page.get_by_role("link", name="All meetings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Group meetings")
    expect(page.get_by_text("Away, and the team knew")).to_be_visible()
    check_page(page)
    sign_out(page)
