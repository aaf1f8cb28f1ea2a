"""Every feature blueprint, registered in one place."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from webapp.auth import access
    from webapp.auth import bp as auth_bp
    from webapp.extensions import login_manager
    from webapp.main import bp as main_bp

    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    assert access.load_user  # the loader is registered on import

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
