"""Every page, in every role, loads only from our own origin and has nothing the CSP would have
to allow inline: no inline <script>, no on* handler, no style attribute, no javascript: URL.
(The browser tests also fail on any CSP report in Chromium's console.)"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.browser.desk import PUBLIC_PAGES, ROLE_USERS, build_desk, every_page
from webapp.models import Role

URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "srcset",
                  "hx-get", "hx-post", "hx-put", "hx-delete", "hx-patch"}


class PageSources(HTMLParser):
    """Collects what a CSP of 'self' cares about."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.foreign: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not values.get("src"):
            self.inline.append("<script> without src")
        if tag == "style":
            self.inline.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.inline.append(f"{tag} {name}=")
            if name == "style":
                self.inline.append(f"{tag} style=")
            if name in URL_ATTRIBUTES and value:
                self._check_url(tag, name, value)

    def _check_url(self, tag: str, name: str, value: str) -> None:
        for candidate in value.split(",") if name == "srcset" else [value]:
            url = candidate.strip().split(" ")[0]
            parts = urlsplit(url)
            if parts.scheme.lower() == "javascript":
                self.inline.append(f"{tag} {name}=javascript:")
            elif parts.scheme.lower() == "data" and tag == "img":
                continue  # the CSP allows data: images (the 2FA QR code)
            elif parts.scheme or parts.netloc or url.startswith("//"):
                self.foreign.append(f"{tag} {name}={url}")


def check_page(html: str) -> PageSources:
    parser = PageSources()
    parser.feed(html)
    return parser


def test_the_checker_sees_what_it_looks_for() -> None:
    found = check_page(
        '<script>alert(1)</script><img src="https://cdn.example/x.png" onerror="x()">'
        '<a href="javascript:void(0)" style="color:red">x</a><link href="//fonts.example/a">'
    )
    assert len(found.inline) == 4 and len(found.foreign) == 2


@pytest.mark.parametrize("role", list(ROLE_USERS), ids=lambda r: r.value)
def test_pages_load_nothing_foreign_and_nothing_inline(role, app, make_user, make_payout,
                                                       client_for) -> None:
    desk = build_desk(make_user, make_payout)
    client = client_for(ROLE_USERS[role])
    problems: dict[str, list[str]] = {}
    checked = 0
    for name, path in every_page(app, desk, role).items():
        answer = client.get(path)
        if answer.status_code != 200 or answer.mimetype != "text/html":
            assert name not in desk.pages(role), (path, answer.status_code)
            continue
        found = check_page(answer.get_data(as_text=True))
        checked += 1
        if found.foreign or found.inline:
            problems[path] = found.foreign + found.inline
    assert checked >= len(desk.pages(role))
    assert problems == {}


def test_public_pages_load_nothing_foreign_and_nothing_inline(client) -> None:
    for path in PUBLIC_PAGES.values():
        found = check_page(client.get(path).get_data(as_text=True))
        assert found.foreign == [] and found.inline == [], path


def test_the_stylesheet_and_scripts_are_our_own_files(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    for path in ("/static/vendor/htmx.min.js", "/static/css/app.css"):
        answer = client.get(path)
        answer.close()
        assert answer.status_code == 200


def test_role_users_cover_every_role() -> None:
    assert set(ROLE_USERS) == set(Role)
