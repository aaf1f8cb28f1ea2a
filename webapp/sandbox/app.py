"""The sandbox's Flask app: a Paymega-compatible payout API mounted at the root."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from webapp.sandbox import control, outside, routes_catalogue, routes_invoices
from webapp.sandbox.store import SandboxState
from webapp.sandbox.views import ERRORS, error_response, json_response


def create_sandbox_app(state: SandboxState) -> Flask:
    """A fresh app serving `state`; errors come back in the provider's JSON shapes."""
    app = Flask(__name__)
    app.config["SANDBOX_STATE"] = state
    app.register_blueprint(routes_catalogue.bp)
    app.register_blueprint(routes_invoices.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(outside.bp)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        code = error.code or 500
        if code in ERRORS:
            return error_response(code)
        return json_response({"errors": [{"status": error.name, "code": str(code)}]}, code)

    @app.errorhandler(Exception)
    def crash(error: Exception) -> Response:
        app.logger.exception("sandbox error")
        return error_response(500)

    return app
