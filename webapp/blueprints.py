"""Every feature blueprint, registered in one place."""

from __future__ import annotations

from flask import Flask

from webapp.lazy_text import lazy_gettext as _l


def register_blueprints(app: Flask) -> None:
    from webapp.approvals.routes import bp as approvals_bp
    from webapp.auth import access
    from webapp.auth.routes import bp as auth_bp
    from webapp.extensions import login_manager
    from webapp.main.routes import bp as main_bp
    from webapp.new_payout.routes import bp as new_payout_bp
    from webapp.payouts.routes import bp as payouts_bp

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    assert access.load_user  # the loader is registered on import

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(new_payout_bp)
    app.register_blueprint(payouts_bp)
    app.register_blueprint(approvals_bp)

    from webapp.batches.routes import bp as batches_bp

    app.register_blueprint(batches_bp)

    from webapp.recipients.routes import bp as recipients_bp

    app.register_blueprint(recipients_bp)

    from webapp.callbacks.routes import bp as callbacks_bp
    from webapp.payouts.cli import payouts_cli

    app.register_blueprint(callbacks_bp)
    app.cli.add_command(payouts_cli)

    from webapp import audit, errors
    from webapp.admin.routes import bp as admin_bp
    from webapp.auth.cli import users as users_cli

    assert audit.record  # importing it installs the append-only guards
    app.register_blueprint(admin_bp)
    app.cli.add_command(users_cli)

    from webapp.checks import check
    from webapp.observability.health import bp as observability_bp

    app.register_blueprint(observability_bp)

    from webapp.reconciliation.routes import bp as reconciliation_bp

    app.register_blueprint(reconciliation_bp)
    app.cli.add_command(check)

    from webapp.notifications.routes import bp as notifications_bp

    app.register_blueprint(notifications_bp)

    from webapp.demo_data.cli import demo as demo_cli

    app.cli.add_command(demo_cli)
    errors.init_app(app)
