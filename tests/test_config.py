"""Start-up refuses a wrong configuration with a message that names the variable."""

from __future__ import annotations

import pytest

from webapp import create_app
from webapp.config import ConfigError

PRODUCTION = {
    "APP_MODE": "production",
    "SECRET_KEY": "x" * 40,
    "DATABASE_URL": "sqlite://",
    "PAYMEGA_API_URL": "https://api.example.test",
    "PAYMEGA_PUBLIC_KEY": "pk_live_x",
    "PAYMEGA_ACCOUNT_ID": "acc",
    "PAYMEGA_SECRET_KEY": "sk_live_x",
    "METRICS_TOKEN": "m" * 32,
    "PAYMEGA_CALLBACK_URL": "https://desk.example.test/callbacks/paymega",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*PRODUCTION, "REDIS_URL", "PAYMEGA_CALLBACK_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("missing", [
    "SECRET_KEY", "DATABASE_URL", "PAYMEGA_API_URL", "PAYMEGA_PUBLIC_KEY",
    "PAYMEGA_ACCOUNT_ID", "PAYMEGA_SECRET_KEY", "PAYMEGA_CALLBACK_URL",
])
def test_production_names_each_missing_setting(missing: str) -> None:
    settings = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        create_app(settings)


def test_production_is_the_default_mode_and_refuses_an_empty_environment() -> None:
    with pytest.raises(ConfigError) as error:
        create_app({})
    for name in ("SECRET_KEY", "DATABASE_URL", "PAYMEGA_SECRET_KEY"):
        assert name in str(error.value)


def test_a_short_secret_key_is_refused_in_production() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({**PRODUCTION, "SECRET_KEY": "short"})


def test_an_unknown_mode_is_named() -> None:
    with pytest.raises(ConfigError, match="APP_MODE"):
        create_app({**PRODUCTION, "APP_MODE": "staging"})


def test_a_provider_url_without_its_keys_is_refused_even_in_demo() -> None:
    with pytest.raises(ConfigError, match="PAYMEGA_SECRET_KEY"):
        create_app({"APP_MODE": "demo", "PAYMEGA_API_URL": "https://api.example.test",
                    "PAYMEGA_PUBLIC_KEY": "pk", "PAYMEGA_ACCOUNT_ID": "acc"})


def test_demo_mode_falls_back_to_the_builtin_sandbox_and_sqlite(tmp_path) -> None:
    app = create_app({"APP_MODE": "demo", "DATABASE_URL": f"sqlite:///{tmp_path}/d.sqlite"})
    assert app.config["PAYMEGA_API_URL"] == "http://127.0.0.1:5001"
    assert app.config["PAYMEGA_PUBLIC_KEY"] == "pk_test_sandbox"
    assert app.config["USES_BUILTIN_SANDBOX"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_production_settings_resolve_with_secure_cookies() -> None:
    app = create_app(PRODUCTION)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_postgres_urls_use_the_psycopg_driver() -> None:
    app = create_app({**PRODUCTION, "DATABASE_URL": "postgres://u@h/db"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("url", ["desk.example.test/callbacks", "ftp://desk.example.test/cb",
                                 "http://desk.example.test/callbacks/paymega"])
def test_production_refuses_a_callback_url_that_is_not_absolute_https(url: str) -> None:
    with pytest.raises(ConfigError, match="PAYMEGA_CALLBACK_URL"):
        create_app({**PRODUCTION, "PAYMEGA_CALLBACK_URL": url})


def test_production_keeps_the_callback_url() -> None:
    app = create_app(PRODUCTION)
    assert app.config["PAYMEGA_CALLBACK_URL"] == PRODUCTION["PAYMEGA_CALLBACK_URL"]


def test_only_a_database_server_gets_pings_and_a_sized_pool() -> None:
    """A PostgreSQL connection can be dropped by the server (restart, failover), so it is
    pinged at checkout; a SQLite file cannot, and a ping there was a statement per request."""
    from webapp.config import engine_options

    assert engine_options("sqlite:////tmp/desk.sqlite", 4, 2) == {}
    server = engine_options("postgresql://desk@db/desk", 4, 2)
    assert server["pool_pre_ping"] is True and server["pool_size"] == 4
