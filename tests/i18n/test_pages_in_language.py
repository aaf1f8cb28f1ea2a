"""Every page, for every role, in Russian and in Ukrainian: no English UI string left.

"English UI strings" are our own msgids (the catalog's source texts) whose translation differs;
a page's visible text and its accessible names (aria-label, title, placeholder, alt) must hold
none of them. Brand and codes are allowed.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from webapp.extensions import db
from webapp.models import Role, User

CATALOGS = Path(__file__).resolve().parents[2] / "webapp" / "translations"
ALLOWED = {"Payouts desk", "CSV", "Excel", "TOTP", "IBAN", "BIC", "SWIFT"}
SKIP_ENDPOINTS = {"static", "observability.healthz", "observability.readyz",
                  "observability.metrics", "payouts.export_csv", "payouts.export_xlsx",
                  "batches.template_csv", "batches.template_xlsx", "batches.errors_csv",
                  "batches.failed_csv", "auth.logout",
                  "main.nav_counts"}  # a fragment (no <html>); the pseudo crawl reads it
ROLES = {"operator": Role.OPERATOR, "manager": Role.MANAGER, "admin": Role.ADMIN,
         "auditor": Role.AUDITOR}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


class _Text(HTMLParser):
    """Visible text and accessible names; skips scripts, styles and <code> (codes stay codes)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in {"script", "style", "code"}:
            self._skip += 1
        for name, value in attrs:
            if name in {"aria-label", "title", "placeholder", "alt"} and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "code"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def english_probes(language: str) -> list[str]:
    """Our English texts (placeholders cut out) that this language translates differently."""
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    probes = set()
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):
            continue
        if message.string in ("", message.id) or message.id in ALLOWED:
            continue
        for fragment in PLACEHOLDER.split(message.id):
            fragment = fragment.strip(" .,:;()—-")
            if len(fragment) >= 4 and re.search(r"[A-Za-z]{3}", fragment):
                probes.add(fragment)
    return sorted(probes, key=len, reverse=True)


def leftovers(text: str, probes: list[str]) -> list[str]:
    for allowed in ALLOWED:  # the brand and codes may stay as they are
        text = text.replace(allowed, " ")
    return [p for p in probes if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text)]


@pytest.fixture
def pages_world(app, make_user, make_payout):
    operator = make_user("olga", Role.OPERATOR)
    waiting = make_payout(operator)
    users = {name: make_user(f"{name}_i18n", role) for name, role in ROLES.items()}
    return {"payout_id": waiting.id, "user_id": operator.id, "users": users}


def _urls(app, world) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or "GET" not in rule.methods:
            continue
        if not rule.arguments:
            urls.append(rule.rule)
    urls += [f"/payouts/{world['payout_id']}", f"/payouts/{world['payout_id']}/status",
             f"/admin/users/{world['user_id']}",
             "/payouts/new?currency=USD&amount=10&service=test_usd"]
    return sorted(set(urls))


@pytest.mark.parametrize("language", ["ru", "uk"])
@pytest.mark.parametrize("role", list(ROLES))
def test_no_english_ui_string_on_any_page(language, role, app, pages_world, client_for):
    user = db.session.get(User, pages_world["users"][role].id)
    user.language = language
    db.session.commit()
    client = client_for(user.username)
    probes = english_probes(language)
    assert len(probes) > 300  # the catalog is filled: an empty one would prove nothing
    found: dict[str, list[str]] = {}
    checked = 0
    for url in _urls(app, pages_world):
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        checked += 1
        assert f'<html lang="{language}"' in html, url
        left = leftovers(visible_text(html), probes)
        if left:
            found[url] = left
    assert checked >= 6
    assert found == {}


def test_the_probe_finds_english_on_an_english_page(app, pages_world, client_for):
    """The control: the same check on an English page must find our English strings."""
    user = db.session.get(User, pages_world["users"]["manager"].id)
    user.language = "en"
    db.session.commit()
    html = client_for(user.username).get("/approvals/").get_data(as_text=True)
    left = leftovers(visible_text(html), english_probes("ru"))
    assert "Approvals" in left and len(left) > 5
