"""Pages look finished at a laptop's and a phone's width: nothing wider than the screen, every
page screenshotted to test-artifacts/pages/ for a person to look at."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, LAPTOP, PHONE, log_in
from tests.browser.desk import PUBLIC_PAGES, ROLE_USERS, build_desk, every_page, opens_as_page
from webapp.models import Role

WIDTHS = {"laptop": LAPTOP, "phone": PHONE}

OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('main *, header *')) {
    if (el.closest('.table-wrap')) continue;  // scrolls sideways on purpose
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1) wide.push(el.tagName + '.' + el.className);
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 10)};
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", list(ROLE_USERS), ids=lambda r: r.value)
def test_main_pages_fit_the_screen(role: Role, width: str, new_context, app, make_user,
                                   make_payout) -> None:
    desk = build_desk(make_user, make_payout)
    page = new_context(viewport=WIDTHS[width]).new_page()
    log_in(page, ROLE_USERS[role])
    folder = ARTIFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    too_wide = {}
    for name, path in every_page(app, desk, role).items():
        response = page.goto(path)
        assert response is not None
        if not opens_as_page(page, response, path, name in desk.pages(role)):
            continue
        page.screenshot(path=str(folder / f"{role.value}-{width}-{name}.png"), full_page=True)
        measured = page.evaluate(OVERFLOW_JS)
        if measured["scroll"] > measured["width"] or measured["wide"]:
            too_wide[name] = measured
    assert too_wide == {}, f"pages wider than the {width} screen: {too_wide}"


@pytest.mark.parametrize("width", WIDTHS)
def test_login_page_fits_the_screen(width: str, new_context, app) -> None:
    page = new_context(viewport=WIDTHS[width]).new_page()
    folder = ARTIFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in PUBLIC_PAGES.items():
        page.goto(path)
        page.screenshot(path=str(folder / f"anonymous-{width}-{name}.png"), full_page=True)
        measured = page.evaluate(OVERFLOW_JS)
        assert measured["scroll"] <= measured["width"] and not measured["wide"], measured
