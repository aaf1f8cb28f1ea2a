"""Security headers (Flask-Talisman), the Content-Security-Policy htmx is configured for, and
the one rule about request bodies: our forms take form data, never JSON."""

from __future__ import annotations

from flask import Flask, abort, request
from flask_talisman import Talisman

from webapp.query_args import refuse_nul_in_input

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}

# Endpoints that read a JSON body themselves (the provider's signed callbacks).
JSON_ENDPOINTS = frozenset({"callbacks.paymega"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refuse_json_to_forms() -> None:
    """Flask-WTF reads a JSON body as the form's data and fails on anything but an object
    (`[1]`, `true`): a stranger's post would be a 500. Browsers and htmx send forms, so a JSON
    body to a form endpoint is refused outright with 415."""
    if (request.method in WRITE_METHODS and request.is_json
            and request.endpoint not in JSON_ENDPOINTS):
        abort(415)


def init_app(app: Flask) -> None:
    production = app.config["APP_MODE"] == "production"
    # One Talisman per app: a shared instance would follow whichever app was built last.
    talisman = Talisman()
    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the reverse proxy; ProxyFix tells us the scheme
        strict_transport_security=production,
        strict_transport_security_max_age=31536000,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        x_content_type_options=True,
    )
    app.extensions["talisman"] = talisman
    app.before_request(refuse_json_to_forms)
    app.before_request(refuse_nul_in_input)
