"""A Ukrainian operator's list with filters and CSV export; and the desk's own words in Russian
and Ukrainian.

The two `..._in_russian` / `..._in_ukrainian` tests assert translated text: they pass once the
ru and uk catalogs (webapp/translations) hold these exact strings.
"""

from __future__ import annotations

import csv
import io

from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.browser.steps import choose_test_service, submit_payout_form, switch_language
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import reject
from webapp.extensions import db
from webapp.models import Payout, Role

# Translation-dependent expectations (the lead passes them to the translator).
RUSSIAN = {
    "nav_new_payout": "Новая выплата",
    "continue_button": "Продолжить",
    "pattern_error": "Не в том формате, который ждёт провайдер: от 1 до 15 цифр.",
}
UKRAINIAN = {
    "list_heading": "Виплати",
    "apply_filters": "Застосувати фільтри",
    "status_rejected": "Відхилено",
    "csv_status_header": "Статус",
}


def ukrainian_desk(make_user, make_payout) -> dict[str, int]:
    """Oksana (Ukrainian) made three payouts; a manager rejected two of them."""
    oksana = make_user("oksana", Role.OPERATOR, language="uk")
    max_ = make_user("max", Role.MANAGER)
    ids = {}
    for name, amount in (("waiting", "10.00"), ("small", "20.00"), ("large", "30.00")):
        ids[name] = make_payout(oksana, amount=amount).id
    for name in ("small", "large"):
        payout = db.session.get(Payout, ids[name])
        reject(payout.id, max_, "Wrong account", fingerprint_of(payout))
    db.session.commit()
    return ids


def rows_shown(page: Page) -> list[str]:
    return page.locator("#payout-list tbody tr td:first-child a").all_inner_texts()


def test_journey_ukrainian_operator_filters_the_list_and_exports_csv(
        page: Page, make_user, make_payout) -> None:
    ids = ukrainian_desk(make_user, make_payout)
    log_in(page, "oksana")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    page.locator("nav a[href='/payouts/']").click()
    assert sorted(rows_shown(page)) == sorted(str(i) for i in ids.values())

    page.locator("#payout-filters input[type=checkbox][value=rejected]").check()
    expect(page.locator("#payout-list tbody tr")).to_have_count(2)  # htmx, no reload
    assert "status=rejected" in page.url
    page.locator("#amount_min").fill("25")
    page.locator("#payout-filters button[type=submit]").click()
    expect(page.locator("#payout-list tbody tr")).to_have_count(1)
    assert rows_shown(page) == [str(ids["large"])]

    with page.expect_download() as download_info:
        page.locator("#payout-list a[href*='export.csv']").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = download.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # the Ukrainian Excel separator
    assert len(rows) == 2, rows  # the header and the one payout the filters leave
    assert rows[1][0] == str(ids["large"])
    assert "30,00" in rows[1] and "USD" in rows[1]  # a decimal comma, as Ukrainian Excel reads it


def test_journey_ukrainian_list_in_ukrainian(page: Page, make_user, make_payout) -> None:
    """Translation-dependent: passes once the uk catalog has these strings."""
    ukrainian_desk(make_user, make_payout)
    log_in(page, "oksana")
    page.goto("/payouts/?status=rejected")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.locator("h1")).to_have_text(UKRAINIAN["list_heading"])
    expect(page.locator("#payout-filters button[type=submit]")).to_have_text(
        UKRAINIAN["apply_filters"])
    expect(page.locator("#payout-list .badge").first).to_have_text(UKRAINIAN["status_rejected"])
    with page.expect_download() as download_info:
        page.locator("#payout-list a[href*='export.csv']").click()
    text = download_info.value.path().read_text(encoding="utf-8-sig")
    assert UKRAINIAN["csv_status_header"] in next(csv.reader(io.StringIO(text), delimiter=";"))


def test_journey_russian_operator_sees_errors_in_russian(page: Page, make_user, sandbox) -> None:
    """Translation-dependent: passes once the ru catalog has these strings."""
    make_user("olga", Role.OPERATOR)
    log_in(page, "olga")
    switch_language(page, "ru")
    expect(page.locator("nav a[href='/payouts/new']")).to_have_text(RUSSIAN["nav_new_payout"])
    page.goto("/payouts/new")
    choose_test_service(page)
    expect(page.locator("#continue-payout")).to_have_text(RUSSIAN["continue_button"])
    page.locator("#field__account").fill("12ab")
    submit_payout_form(page)
    expect(page.locator("#field__account-error")).to_have_text(RUSSIAN["pattern_error"])
