"""The operator's to-do: rejected and failed payouts they can fix, with the reason, fixed and
resent from the dashboard; the header counts what waits for the user."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.recipients.helpers import payouts, post_new_payout
from webapp.approvals.services import reject
from webapp.models import Payout, Role, User
from webapp.payout_core.prerequest import clear_cache
from webapp.sandbox import SandboxServer


@pytest.fixture(autouse=True)
def _fresh_prerequests(app: Flask, sandbox: SandboxServer) -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


def fix_box(page: str) -> str:
    found = re.search(r'id="waiting-fix".*?</ul>\s*</?\w', page, re.S)
    assert found, page[-3000:]
    return page[found.start():page.index("Show all of them", found.start())]


def nav_count(client: FlaskClient, slot: str) -> str | None:
    """The number the header's slot gets (the page asks /nav-counts after loading)."""
    page = client.get("/recipients/").get_data(as_text=True)
    assert f'id="{slot}"' in page or slot == "nav-count-approvals-queue"
    counts = client.get("/nav-counts", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in counts
    found = re.search(rf'id="{slot}" hx-swap-oob="true"> <span class="nav-count"[^>]*>(\d+)',
                      counts)
    return found.group(1) if found else None


def test_a_rejected_payout_is_on_the_to_do_with_its_reason_and_fixed_from_there(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR)
    max_ = make_user("max", Role.MANAGER)
    rejected = make_payout(olga)
    reject(rejected.id, max_, "Account closed, ask for the new one")
    client = client_for("olga")
    page = client.get("/").get_data(as_text=True)
    assert "None of your payouts needs fixing" not in page
    box = fix_box(page)
    assert '<p class="big-number">1</p>' in box
    assert "Account closed, ask for the new one" in box
    assert nav_count(client, "nav-count-main-dashboard") == "1"
    link = re.search(r'href="(/payouts/new\?fix=\d+)"', box)
    assert link is not None
    response = post_new_payout(client, link.group(1).split("?", 1)[1],
                               field__account="5551234")
    assert response.status_code == 303
    assert len(payouts()) == 2 and len(sandbox.state.newest_first()) == 2
    after = client.get("/").get_data(as_text=True)
    assert "None of your payouts needs fixing" in after
    assert nav_count(client, "nav-count-main-dashboard") is None


def test_a_failed_payout_shows_the_providers_reason(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR)
    sandbox.state.inject("create", "403")
    make_payout(olga)
    box = fix_box(client_for("olga").get("/").get_data(as_text=True))
    assert "The provider refused access." in box and "fix=" in box


def test_the_header_counts_what_waits_for_a_manager(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR)
    make_user("max", Role.MANAGER)
    make_payout(olga)
    make_payout(olga, amount="11.00")
    assert nav_count(client_for("max"), "nav-count-approvals-queue") == "2"
    assert nav_count(client_for("olga"), "nav-count-approvals-queue") is None
