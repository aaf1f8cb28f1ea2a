"""Pages fit a phone and a laptop in every language: no horizontal scrolling at 360 or 1366 px
(the document, and no box inside it scrolls or sticks out either), no text squeezed into a
column so narrow it breaks letter by letter. Every page is screenshotted to
test-artifacts/screens/<role>-<width>-<language>-<page>.png for a person to look at."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import ARTIFACTS, LAPTOP, log_in
from tests.browser.desk import PUBLIC_PAGES, ROLE_USERS, build_desk, every_page, opens_as_page
from tests.browser.small_screens import SMALL_PHONE, ran_batch
from tests.browser.steps import switch_language
from webapp.models import Role

WIDTHS = {"laptop": LAPTOP, "phone": SMALL_PHONE}
LANGUAGES = ("en", "ru", "uk")
SCREENS = ARTIFACTS / "screens"

# The document must not scroll sideways; nothing in it may stick out past the screen's edge or
# scroll sideways inside its own box; and no text may wrap every few letters (a column squeezed
# by its neighbours: the Russian batch page once broke its values letter by letter).
MEASURE_JS = """() => {
  const width = window.innerWidth;
  // Inside a 1 px box that hides its overflow (visually hidden, e.g. a card list's header row).
  const clipped = el => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const s = getComputedStyle(up);
      if (s.overflow === 'hidden' && up.getBoundingClientRect().width <= 1) return true;
    }
    return false;
  };
  const out = [], scrolling = [], squeezed = [];
  const name = el => el.tagName + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className
      ? '.' + el.className.trim().replace(/\\s+/g, '.') : '');
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (el.closest('.visually-hidden, .skip-link') || clipped(el)) continue;
    if (box.right > width + 1 || box.left < -1) out.push(name(el));
    if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      scrolling.push(name(el));
    const text = [...el.childNodes].filter(n => n.nodeType === 3)
      .map(n => n.textContent).join('').trim();
    const em = parseFloat(style.fontSize) || 16;
    const line = parseFloat(style.lineHeight) || em * 1.45;
    if (text.length >= 8 && box.width < 4 * em && box.height > 3 * line)
      squeezed.push(name(el) + ': ' + text.slice(0, 30));
  }
  return {scroll: document.documentElement.scrollWidth, width,
          out: out.slice(0, 8), scrolling: scrolling.slice(0, 8), squeezed: squeezed.slice(0, 8)};
}"""


def fits(measured: dict[str, Any]) -> bool:
    return (measured["scroll"] <= measured["width"] and not measured["out"]
            and not measured["scrolling"] and not measured["squeezed"])


def shoot(page: Page, *parts: str) -> str:
    SCREENS.mkdir(parents=True, exist_ok=True)
    name = "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", p).strip("_") for p in parts) + ".png"
    page.screenshot(path=str(SCREENS / name), full_page=True)
    return name


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", list(ROLE_USERS), ids=lambda r: r.value)
def test_every_page_fits_the_screen_in_every_language(role: Role, width: str, new_context, app,
                                                      make_user, make_payout, sandbox) -> None:
    desk = build_desk(make_user, make_payout)
    batch_id = ran_batch(app, desk.users[Role.OPERATOR], desk.second_manager)
    pages = every_page(app, desk, role)
    pages |= {"batch page": f"/batches/{batch_id}", "batch rows": f"/batches/{batch_id}/rows",
              "batch progress": f"/batches/{batch_id}/progress"}
    page = new_context(viewport=WIDTHS[width]).new_page()
    log_in(page, ROLE_USERS[role])
    too_wide: dict[str, Any] = {}
    checked = 0
    for language in LANGUAGES:
        switch_language(page, language)
        for name, path in pages.items():
            response = page.goto(path)
            assert response is not None
            if not opens_as_page(page, response, path, name in desk.pages(role)):
                continue
            assert page.locator("html").get_attribute("lang") == language
            shoot(page, role.value, width, language, name)
            measured = page.evaluate(MEASURE_JS)
            checked += 1
            if not fits(measured):
                too_wide[f"{language} {name}"] = measured
    assert checked >= 3 * len(desk.pages(role))
    assert too_wide == {}, f"pages that do not fit the {width} screen: {too_wide}"


@pytest.mark.parametrize("width", WIDTHS)
def test_login_page_fits_the_screen_in_every_language(width: str, new_context, app) -> None:
    page = new_context(viewport=WIDTHS[width]).new_page()
    for language in LANGUAGES:
        for name, path in PUBLIC_PAGES.items():
            page.goto(path)
            switch_language(page, language)
            shoot(page, "anonymous", width, language, name)
            measured = page.evaluate(MEASURE_JS)
            assert fits(measured), (language, measured)


def test_the_measure_catches_a_wide_page_and_a_squeezed_column(new_context, app) -> None:
    """The check above can fail: a wide box, a sideways-scrolling box and a text column two
    letters wide are each reported."""
    page = new_context(viewport=SMALL_PHONE).new_page()
    page.goto("/login")
    page.evaluate("""() => {
      const main = document.querySelector('main');
      const wide = document.createElement('div'); wide.id = 'wide';
      wide.style.width = '500px'; wide.textContent = 'wide'; main.append(wide);
      const wrap = document.createElement('div'); wrap.id = 'wrap'; wrap.style.overflowX = 'auto';
      const inner = document.createElement('div'); inner.style.width = '900px';
      inner.textContent = 'x'; wrap.append(inner); main.append(wrap);
      const thin = document.createElement('p'); thin.id = 'thin'; thin.style.width = '1.5em';
      thin.style.overflowWrap = 'anywhere'; thin.textContent = 'Всего по верным строкам';
      main.append(thin);
    }""")
    measured = page.evaluate(MEASURE_JS)
    assert measured["scroll"] > measured["width"]
    assert any(n.startswith("DIV#wide") for n in measured["out"])
    assert any(n.startswith("DIV#wrap") for n in measured["scrolling"])
    assert any(n.startswith("P#thin") for n in measured["squeezed"])
