"""A person whose only role waits for a second admin signs in and sees a page saying so, and
who can confirm it, instead of a 403; once confirmed, the desk opens (for a new manager, at the
second-factor set-up)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, log_in
from tests.browser.small_screens import SMALL_PHONE
from tests.browser.test_accessibility import AXE_OPTIONS
from tests.browser.test_layout import MEASURE_JS, fits, shoot
from tests.conftest import TEST_PASSWORD
from webapp.admin import guarded
from webapp.auth.services import create_user
from webapp.extensions import db
from webapp.models import PendingChange, Role


@pytest.fixture
def waiting_manager(make_user):
    """ada asked to make nina a manager; abe, the second admin, has not confirmed yet."""
    ada = make_user("ada", Role.ADMIN)
    abe = make_user("abe", Role.ADMIN)
    nina = create_user("nina", TEST_PASSWORD, [], actor=ada, pending_roles=[Role.MANAGER])
    change = guarded.request_roles(nina, {Role.MANAGER}, ada)
    db.session.commit()
    assert change is not None and nina.roles == set()
    return ada, abe, change.id


@pytest.mark.parametrize("viewport", [SMALL_PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_user_whose_role_waits_sees_who_can_confirm_not_403(
        viewport, new_context, live_server, waiting_manager) -> None:
    _ada, abe, change_id = waiting_manager
    page: Page = new_context(viewport=viewport).new_page()
    log_in(page, "nina")
    expect(page).to_have_url(f"{live_server}/waiting-for-role")
    expect(page.locator("h1")).to_have_text("Your role waits for confirmation")
    expect(page.locator(".waiting-grant")).to_contain_text("ada asked to give you the role Manager")
    expect(page.locator(".confirmers li")).to_have_text(["abe"])  # not ada, who asked
    shoot(page, "nina", "phone" if viewport is SMALL_PHONE else "laptop", "en", "waiting for role")
    assert fits(page.evaluate(MEASURE_JS))
    page.add_script_tag(url=f"{live_server}/static/vendor/axe.min.js")
    violations = page.evaluate("o => axe.run(document, o)", AXE_OPTIONS)["violations"]
    assert violations == []

    # Any page of the desk leads here rather than to "not allowed".
    response = page.goto("/approvals/")
    assert response is not None and response.status == 200
    expect(page).to_have_url(f"{live_server}/waiting-for-role")

    change = db.session.get(PendingChange, change_id)
    guarded.confirm(change, abe)
    db.session.commit()
    page.goto("/waiting-for-role")
    # A manager now: first the second factor every manager needs, with the desk's menu.
    expect(page).to_have_url(f"{live_server}/account/2fa/setup")
    expect(page.locator("nav a[href='/approvals/']")).to_have_count(1)


def test_no_grant_waiting_names_the_admins(new_context, live_server, make_user) -> None:
    make_user("ada", Role.ADMIN)
    create_user("noel", TEST_PASSWORD, [], pending_roles=[Role.MANAGER])
    db.session.commit()
    page: Page = new_context(viewport=SMALL_PHONE).new_page()
    log_in(page, "noel")
    expect(page).to_have_url(f"{live_server}/waiting-for-role")
    expect(page.locator("main")).to_contain_text("no request for one is waiting")
    expect(page.locator(".confirmers li")).to_have_text(["ada"])
