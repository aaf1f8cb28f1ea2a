"""Security headers (Flask-Talisman) and the Content-Security-Policy htmx is configured for."""

from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

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

talisman = Talisman()


def init_app(app: Flask) -> None:
    production = app.config["APP_MODE"] == "production"
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
