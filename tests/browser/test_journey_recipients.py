"""A Russian operator pays a saved recipient from the dashboard without typing, counts the
clicks, then fixes a rejected payout from the dashboard's to-do and resends it."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import log_in
from webapp.approvals.services import reject
from webapp.extensions import db
from webapp.models import Payout, Recipient, Role, User
from webapp.payout_core.gateway import provider_client
from webapp.recipients.book import store_detail
from webapp.sandbox import SandboxServer

RUSSIAN = {
    "nav_recipients": "Получатели",
    "pay": "Оплатить",
    "continue": "Продолжить",
    "create": "Создать выплату",
    "filled_in": "Заполнено из сохранённого получателя Иван Петров",
    "fix_and_resend": "Исправить и отправить заново",
}


class Clicks:
    """Every click of the journey goes through here, so the count is the journey's."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, target: Locator) -> None:
        self.count += 1
        target.click()


def saved_recipient(operator: User) -> Recipient:
    service = provider_client().prerequest("USD", Decimal("40")).service("test_usd")
    assert service is not None
    recipient = Recipient(name="Иван Петров", reference="ivan-petrov", created_by_id=operator.id)
    db.session.add(recipient)
    store_detail(recipient, service, "USD", {"account": "40817810"}, Decimal("40.00"))
    db.session.commit()
    return recipient


def newest_payout() -> Payout:
    db.session.expire_all()
    payout = db.session.scalars(db.select(Payout).order_by(Payout.id.desc())).first()
    assert payout is not None
    return payout


def test_journey_russian_operator_pays_a_saved_recipient_and_fixes_a_rejection(
        page: Page, make_user: Callable[..., User], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR, language="ru")
    max_ = make_user("max", Role.MANAGER)
    saved_recipient(olga)
    log_in(page, "olga")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.goto("/")

    click = Clicks()
    click(page.locator("nav a[href='/recipients/']", has_text=RUSSIAN["nav_recipients"]))
    click(page.locator("a.pay-saved", has_text=RUSSIAN["pay"]))
    expect(page.locator("#prefill-note")).to_contain_text(RUSSIAN["filled_in"])
    expect(page.locator("#payout-form #field__account")).to_have_value("40817810")
    expect(page.locator("#payout-form #amount")).to_have_value("40")
    click(page.locator("#continue-payout", has_text=RUSSIAN["continue"]))
    click(page.locator("#create-payout", has_text=RUSSIAN["create"]))
    expect(page).to_have_url(re.compile(r"/payouts/\d+$"))
    assert click.count == 4  # dashboard → Recipients → Pay → Continue → Create payout
    paid = newest_payout()
    assert paid.customer_reference_id == "ivan-petrov" and paid.amount == Decimal("40")
    assert paid.created_by_id == olga.id and len(sandbox.state.newest_first()) == 1

    reject(paid.id, db.session.get(User, max_.id), "Счёт закрыт, возьмите новый")
    page.goto("/")
    expect(page.locator("#nav-count-main-dashboard .nav-count")).to_have_text(re.compile("^1"))
    todo = page.locator("#fixable li", has_text="Счёт закрыт, возьмите новый")
    expect(todo).to_be_visible()
    todo.locator("a.fix-and-resend", has_text=RUSSIAN["fix_and_resend"]).click()
    expect(page.locator("#prefill-reason")).to_contain_text("Счёт закрыт, возьмите новый")
    page.locator("#payout-form #field__account").fill("40817999")
    page.locator("#continue-payout").click()
    page.locator("#create-payout").click()
    expect(page).to_have_url(re.compile(r"/payouts/\d+$"))
    fixed = newest_payout()
    assert fixed.id != paid.id and fixed.status == "awaiting_approval"
    expect(page.locator("li[data-kind='copy_fix_of']")).to_be_visible()
    page.goto("/")
    expect(page.locator("#fixable")).to_have_count(0)
