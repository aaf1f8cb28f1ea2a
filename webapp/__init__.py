"""Payouts desk: the application factory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

from flask import Flask

from webapp import memory
from webapp.config import Config

ROOT = Path(__file__).resolve().parent.parent


def _load_config(config: Mapping[str, Any] | Config | None) -> Config:
    """Environment first; a mapping overrides it (known names set settings, the rest are Flask
    config keys), which is how tests build apps."""
    if isinstance(config, Config):
        return config
    settings = Config.from_env()
    if config:
        known = {f.name for f in dataclass_fields(Config)} - {"extra"}
        for key, value in config.items():
            if key in known:
                setattr(settings, key, value)
            else:
                settings.extra[key] = value
    return settings


def _trust_proxies(app: Flask, hops: int) -> None:
    """Client address, scheme, host and port from the X-Forwarded-* headers set by `hops`
    reverse proxies (the load balancer, nginx); never trust more hops than there are."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def create_app(config: Mapping[str, Any] | Config | None = None) -> Flask:
    """Build the app; raises `ConfigError` naming the variable when a setting is missing."""
    settings = _load_config(config).resolve()
    memory.pin_mmap_threshold()  # before the first password hash
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_HOPS"]:
        _trust_proxies(app, app.config["PROXY_HOPS"])

    from webapp import (
        catalogs,
        db_retry,
        degraded,
        extensions,
        form_translations,
        formatting,
        htmx,
        i18n,
        migrations_cli,
        navigation,
        observability,
        queue,
        security,
        sqlite_tuning,
        template_gettext,
    )

    observability.init_app(app)  # first: request ids and log handlers for everything after

    extensions.db.init_app(app)
    sqlite_tuning.init_app(app)
    db_retry.init_app(app)
    migrations_cli.init_app(app)  # `flask db`: Flask-Migrate loads when the command runs
    extensions.csrf.init_app(app)
    extensions.htmx.init_app(app)
    catalogs.init_app(app)  # before any page: ru/uk must never fall back to English silently
    extensions.babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(catalogs.catalog_directory(app)),
    )
    form_translations.init_app(app)  # WTForms' messages without a disk read per request
    template_gettext.init_app(app)  # replaces Flask-Babel's per-string look-ups in templates
    extensions.limiter.init_app(app)
    degraded.init_app(app)
    htmx.init_app(app)
    security.init_app(app)
    navigation.init_app(app)
    formatting.init_app(app)
    queue.init_app(app)

    from webapp.blueprints import register_blueprints

    register_blueprints(app)
    return app
