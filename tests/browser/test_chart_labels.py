"""The dashboard's chart is legible in every language: in Chromium, no two of its text labels
overlap and none leaves the chart, at a laptop's and a phone's width."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LAPTOP, PHONE, log_in
from webapp.extensions import db
from webapp.models import Role

OVERLAPS_JS = """() => {
  const svg = document.querySelector('svg.bar-chart');
  const frame = svg.getBoundingClientRect();
  const boxes = [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBoundingClientRect();
    return {text: t.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom};
  });
  const clash = [];
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    if (a.left < frame.left - 0.5 || a.right > frame.right + 0.5 || a.bottom > frame.bottom + 0.5)
      clash.push(['outside', a.text]);
    for (let j = i + 1; j < boxes.length; j++) {
      const b = boxes[j];
      if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5
          && b.top < a.bottom - 0.5) clash.push([a.text, b.text]);
    }
  }
  return {labels: boxes.length, clash};
}"""


@pytest.mark.parametrize("width", {"laptop": LAPTOP, "phone": PHONE})
@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_chart_labels_do_not_overlap(language, width, new_context, app, make_user,
                                     make_payout) -> None:
    olga = make_user("olga", Role.OPERATOR, language=language)
    for _ in range(3):
        make_payout(olga)
    db.session.commit()
    page = new_context(viewport={"laptop": LAPTOP, "phone": PHONE}[width]).new_page()
    log_in(page, "olga")
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == language
    measured = page.evaluate(OVERLAPS_JS)
    assert measured["labels"] >= 14, measured
    assert measured["clash"] == [], f"{language}: labels overlap: {measured['clash'][:6]}"
