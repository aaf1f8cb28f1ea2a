"""Compiled catalogs wherever the desk runs: made at start when missing or stale, and a
production start (and `flask check`) that cannot have them says which language is wrong."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale, gettext

from tests.conftest import app_settings
from webapp import catalogs
from webapp.catalogs import TRANSLATIONS, CatalogError, catalog_problem
from webapp.checks import Result, run_checks
from webapp.extensions import babel
from webapp.sandbox import SandboxServer

Builder = Callable[[dict[str, Any]], Flask]
PRODUCTION = {
    "APP_MODE": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite://",
    "PAYMEGA_API_URL": "https://api.example.test", "PAYMEGA_PUBLIC_KEY": "pk_live_x",
    "PAYMEGA_ACCOUNT_ID": "acc", "PAYMEGA_SECRET_KEY": "sk_live_x", "METRICS_TOKEN": "m" * 32,
    "PAYMEGA_CALLBACK_URL": "https://desk.example.test/callbacks/paymega",
}


@pytest.fixture
def sources_only(tmp_path: Path) -> Path:
    """The catalogs as a fresh checkout holds them: `.po` files, no `.mo`."""
    directory = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, directory, ignore=shutil.ignore_patterns("*.mo", "*.checked"))
    return directory


def translate(app: Flask, language: str, text: str) -> str:
    # Flask-Babel keeps loaded catalogs per process (by locale), shared by the apps tests build.
    with app.test_request_context(), force_locale(language):
        babel.domain_instance.cache.clear()
        return str(gettext(text))


def retranslate(directory: Path, language: str, msgid: str, new: str) -> None:
    po = directory / language / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    marker = f'msgid "{msgid}"\nmsgstr "'
    start = text.index(marker) + len(marker)
    end = text.index('"\n', start)
    po.write_text(text[:start] + new + text[end:], encoding="utf-8")


def test_a_start_compiles_missing_catalogs(sources_only: Path, database_url: str,
                                           sandbox: SandboxServer, build_app: Builder) -> None:
    assert "is not compiled" in (catalog_problem(sources_only, "ru") or "")
    app = build_app(app_settings(database_url, sandbox.url, CATALOG_DIRECTORY=str(sources_only)))
    assert catalog_problem(sources_only, "ru") is None
    assert catalog_problem(sources_only, "uk") is None
    assert translate(app, "ru", "Payouts") == "Выплаты"
    assert translate(app, "uk", "Payouts") == "Виплати"


def test_a_start_recompiles_a_stale_catalog(sources_only: Path, database_url: str,
                                            sandbox: SandboxServer, build_app: Builder) -> None:
    catalogs.ensure_compiled(sources_only, ["ru", "uk"])
    retranslate(sources_only, "uk", "Payouts", "Виплати (нові)")
    assert "is stale" in (catalog_problem(sources_only, "uk") or "")
    app = build_app(app_settings(database_url, sandbox.url, CATALOG_DIRECTORY=str(sources_only)))
    assert translate(app, "uk", "Payouts") == "Виплати (нові)"


def test_production_refuses_to_start_without_a_catalog_naming_the_language(
        sources_only: Path, build_app: Builder, monkeypatch: pytest.MonkeyPatch) -> None:
    catalogs.ensure_compiled(sources_only, ["ru"])  # ru fine, uk never compiled

    def read_only(directory: Path, language: str) -> None:
        raise PermissionError(f"{directory} is read-only")

    monkeypatch.setattr(catalogs, "compile_catalog", read_only)
    with pytest.raises(CatalogError) as refused:
        build_app({**PRODUCTION, "CATALOG_DIRECTORY": str(sources_only)})
    assert "'uk'" in str(refused.value) and "'ru'" not in str(refused.value)
    assert "not compiled" in str(refused.value)


def test_production_refuses_a_stale_catalog(sources_only: Path, build_app: Builder,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    catalogs.ensure_compiled(sources_only, ["ru", "uk"])
    retranslate(sources_only, "ru", "Payouts", "Платежи")
    monkeypatch.setattr(catalogs, "compile_catalog", lambda directory, language: None)
    with pytest.raises(CatalogError, match=r"'ru' is stale"):
        build_app({**PRODUCTION, "CATALOG_DIRECTORY": str(sources_only)})


def test_flask_check_names_a_stale_language(sources_only: Path, database_url: str,
                                            sandbox: SandboxServer, build_app: Builder) -> None:
    app = build_app(app_settings(database_url, sandbox.url, CATALOG_DIRECTORY=str(sources_only)))
    assert Result(True, "translations compiled and current (ru, uk)") in run_checks(app)
    retranslate(sources_only, "uk", "Payouts", "Виплати!")  # edited after the start
    failed = [result.message for result in run_checks(app) if not result.ok]
    assert any(m.startswith("translations: catalog for language 'uk' is stale") for m in failed)
    assert not any("'ru'" in m for m in failed)


def test_a_pair_found_good_is_not_parsed_again_until_a_file_changes(
        sources_only: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every worker runs the start-up check: once a catalog pair was found good, the next
    starts compare two hashes instead of parsing both catalogs; any change checks again."""
    assert catalogs.ensure_compiled(sources_only, ["ru", "uk"]) == []
    parsed: list[str] = []
    real = catalogs.catalog_problem

    def counting(directory: Path, language: str) -> str | None:
        parsed.append(language)
        return real(directory, language)

    monkeypatch.setattr(catalogs, "catalog_problem", counting)
    assert catalogs.ensure_compiled(sources_only, ["ru", "uk"]) == []
    assert parsed == []
    retranslate(sources_only, "uk", "Payouts", "Виплати (нові)")
    assert catalogs.ensure_compiled(sources_only, ["ru", "uk"]) == []
    assert parsed == ["uk", "uk"]  # found stale, compiled, found good


def test_a_catalog_changed_during_the_check_is_not_stamped_good(
        sources_only: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deploy may rewrite the `.po` while a worker checks it: the stamp names only the
    files that were checked, so the next start checks (and compiles) the new ones."""
    catalogs.ensure_compiled(sources_only, ["ru"])
    catalogs._stamp_path(sources_only, "ru").unlink()
    real = catalogs.catalog_problem

    def check_then_deploy(directory: Path, language: str) -> str | None:
        found = real(directory, language)
        retranslate(sources_only, "ru", "Payouts", "Платежи")
        return found

    monkeypatch.setattr(catalogs, "catalog_problem", check_then_deploy)
    assert catalogs.ensure_compiled(sources_only, ["ru"]) == []
    monkeypatch.setattr(catalogs, "catalog_problem", real)
    assert not catalogs._stamp_path(sources_only, "ru").exists()
    assert "is stale" in (catalog_problem(sources_only, "ru") or "")
