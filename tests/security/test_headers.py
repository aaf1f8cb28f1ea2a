"""Security headers and cookies as sent: the CSP (no inline or eval scripts), framing, base-uri,
HSTS outside development, nosniff, Referrer-Policy; session cookie flags; htmx's CSRF header and
configuration on every page."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask

from tests.conftest import app_settings, login
from webapp import create_app
from webapp.models import Role

PAGES = ["/", "/payouts/", "/payouts/new", "/profile"]


def fresh_request_globals() -> None:
    """The test's own app context is shared by test-client requests, so `g` would carry the
    CSRF token over and the session would never get one; a real request starts clean."""
    from flask import g

    g.pop("csrf_token", None)


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


@pytest.mark.parametrize("path", ["/login", *PAGES])
def test_every_page_sends_a_strict_content_security_policy(client, operator_client,
                                                           path) -> None:
    response = (client if path == "/login" else operator_client).get(path)
    assert response.status_code == 200
    csp = csp_directives(response.headers["Content-Security-Policy"])
    scripts = csp.get("script-src", csp["default-src"])
    assert scripts == ["'self'"]
    for source in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert source not in scripts
    assert csp["default-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/login", "/", "/static/css/app.css", "/no-such-page"])
def test_every_answer_sends_the_other_security_headers(operator_client, path) -> None:
    response = operator_client.get(path)
    response.close()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response.headers
    assert "Strict-Transport-Security" not in response.headers  # testing mode: no HSTS


def production_app(database_url: str, sandbox_url: str) -> Flask:
    return create_app(app_settings(
        database_url, sandbox_url, APP_MODE="production",
        METRICS_TOKEN="metrics-token-long-enough-for-production",
        PAYMEGA_CALLBACK_URL="https://desk.example.test/callbacks/paymega",
    ))


def test_production_sends_hsts_and_secure_cookies(database_url, sandbox, app, make_user) -> None:
    make_user("olga", Role.OPERATOR)
    prod = production_app(database_url, sandbox.url)
    client = prod.test_client()
    # TLS ends at the proxy; HSTS is only meaningful (and only sent) over https.
    page = client.get("/login", base_url="https://desk.example")
    hsts = page.headers["Strict-Transport-Security"]
    assert re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts)
    assert int(hsts.split("=")[1].split(";")[0]) >= 31536000
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data)
    assert token
    answer = client.post("/login", base_url="https://desk.example", data={
        "username": "olga", "password": "x" * 20, "csrf_token": token.group(1).decode()})
    cookies = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, answer.headers
    flags = {part.strip().lower() for part in cookies[-1].split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax"} <= flags


@pytest.mark.parametrize("mode", ["development", "testing", "demo"])
def test_no_hsts_outside_production(mode, database_url, sandbox) -> None:
    relaxed = create_app(app_settings(database_url, sandbox.url, APP_MODE=mode))
    answer = relaxed.test_client().get("/login", base_url="https://desk.example")
    assert "Strict-Transport-Security" not in answer.headers


def test_the_session_cookie_is_httponly_and_lax(client, make_user) -> None:
    make_user("olga", Role.OPERATOR)
    answer = login(client, "olga")
    assert answer.status_code == 303
    cookie = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session=")][-1]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax"} <= flags
    assert "secure" not in flags  # plain http on loopback in tests; production: see above


@pytest.mark.parametrize("path", ["/login", *PAGES])
def test_htmx_sends_the_csrf_token_and_runs_without_eval(client, operator_client,
                                                         path) -> None:
    html = (client if path == "/login" else operator_client).get(path).get_data(as_text=True)
    body = re.search(r"<body[^>]*\shx-headers='([^']+)'", html)
    assert body, "no hx-headers on <body>"
    token = json.loads(body.group(1))["X-CSRFToken"]
    assert len(token) > 20
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', html)
    assert config
    settings = json.loads(config.group(1))
    assert settings["allowEval"] is False and settings["includeIndicatorStyles"] is False
    assert settings["allowScriptTags"] is False


def test_an_htmx_post_without_the_token_is_refused(operator_client) -> None:
    answer = operator_client.post("/payouts/new", data={"currency": "USD"},
                                  headers={"HX-Request": "true"}, csrf=False)
    assert answer.status_code == 400


def test_an_htmx_post_with_the_token_header_passes_csrf(operator_client, sandbox) -> None:
    fresh_request_globals()
    html = operator_client.get("/payouts/new").get_data(as_text=True)
    token = json.loads(re.search(r"hx-headers='([^']+)'", html).group(1))["X-CSRFToken"]
    answer = operator_client.post("/payouts/new", data={"currency": "USD"},
                                  headers={"HX-Request": "true", "X-CSRFToken": token},
                                  csrf=False)
    assert answer.status_code == 200  # the form's own errors, not a CSRF refusal
    assert b"<html" not in answer.data
