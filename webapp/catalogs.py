"""Compiled message catalogs (`.mo`) beside their sources (`.po`).

The `.mo` files are build products and not in git, so nothing but this module guarantees that a
deployment has them: the app compiles a missing or out-of-date catalog when it starts, and
checks the result. A catalog that is still missing or stale after that (a read-only checkout, a
broken `.po`) stops a production start with an error naming the language; `flask check` reports
the same. Without it, ru and uk users silently get English.

"Stale" is decided by content, not file times (a `git checkout` sets those arbitrarily): the
`.mo` must hold exactly the translated, non-fuzzy messages of the `.po`. A pair found good is
remembered by the SHA-256 of both files (`messages.mo.checked`), so the many workers that start
afterwards hash two files instead of parsing both catalogs (which cost each worker ~1.6 MB
and a moment of its start).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:  # babel.messages loads only when a catalog is parsed (see above)
    from babel.messages.catalog import Catalog

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SOURCE_LANGUAGE = "en"  # the msgids themselves: no catalog needed
log = logging.getLogger(__name__)


class CatalogError(RuntimeError):
    """A language's compiled catalog is missing or stale where it must not be."""


def _po_path(directory: Path, language: str) -> Path:
    return directory / language / "LC_MESSAGES" / "messages.po"


def _mo_path(directory: Path, language: str) -> Path:
    return directory / language / "LC_MESSAGES" / "messages.mo"


def _read_po(path: Path, language: str) -> Catalog:
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _translations(catalog: Catalog) -> dict[Any, Any]:
    """What gettext will find: msgid (or plural tuple, with context) -> translation(s)."""
    found: dict[Any, Any] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        many = isinstance(message.string, (tuple, list))
        strings = tuple(message.string) if many else (message.string,)
        if not all(strings):
            continue
        msgid = tuple(message.id) if isinstance(message.id, (tuple, list)) else message.id
        found[(message.context, msgid)] = strings
    return found


def catalog_problem(directory: Path, language: str) -> str | None:
    """Why `language` would not be served translated from `directory`, or None if it would."""
    po, mo = _po_path(directory, language), _mo_path(directory, language)
    if not po.is_file():
        return f"no catalog for language {language!r} ({po} is missing)"
    if not mo.is_file():
        return f"catalog for language {language!r} is not compiled ({mo.name} missing)"
    from babel.messages.mofile import read_mo

    try:
        expected = _translations(_read_po(po, language))
        with mo.open("rb") as handle:
            compiled = _translations(read_mo(handle))
    except Exception as error:
        return f"catalog for language {language!r} unreadable: {type(error).__name__}: {error}"
    if compiled != expected:
        differing = len(set(expected.items()) ^ set(compiled.items()))
        return (f"catalog for language {language!r} is stale: {mo.name} differs from "
                f"{po.name} in {differing} message(s)")
    return None


def compile_catalog(directory: Path, language: str) -> None:
    """Write `messages.mo` from `messages.po` atomically (several processes may start at once)."""
    from babel.messages.mofile import write_mo

    po, mo = _po_path(directory, language), _mo_path(directory, language)
    catalog = _read_po(po, language)
    with tempfile.NamedTemporaryFile(dir=mo.parent, prefix=".messages-", suffix=".mo",
                                     delete=False) as handle:
        try:
            write_mo(handle, catalog, use_fuzzy=False)
        except BaseException:
            handle.close()
            Path(handle.name).unlink(missing_ok=True)
            raise
    os.replace(handle.name, mo)


def _fingerprint(directory: Path, language: str) -> str | None:
    digest = hashlib.sha256()
    try:
        for path in (_po_path(directory, language), _mo_path(directory, language)):
            digest.update(path.read_bytes())
            digest.update(b"\0")
    except OSError:
        return None
    return digest.hexdigest()


def _stamp_path(directory: Path, language: str) -> Path:
    return _mo_path(directory, language).with_name("messages.mo.checked")


def _known_good(directory: Path, language: str) -> bool:
    """Both files are byte for byte the pair last found good."""
    try:
        stamp = _stamp_path(directory, language).read_text().strip()
    except OSError:
        return False
    return stamp == _fingerprint(directory, language)


def _remember_good(directory: Path, language: str, checked: str | None) -> None:
    """Stamp the pair found good, only if its files are still the ones checked (`checked` is
    their fingerprint taken before the check: a deploy may rewrite them meanwhile)."""
    fingerprint = _fingerprint(directory, language)
    if fingerprint is None or fingerprint != checked:
        return
    stamp = _stamp_path(directory, language)
    try:
        with tempfile.NamedTemporaryFile("w", dir=stamp.parent, prefix=".checked-",
                                         delete=False) as handle:
            handle.write(fingerprint)
        os.replace(handle.name, stamp)
    except OSError:  # a read-only checkout: the next start checks the content again
        return


def ensure_compiled(directory: Path, languages: Iterable[str]) -> list[str]:
    """Compile what is missing or stale; return the problems that remain, one per language."""
    problems = []
    for language in languages:
        if language == SOURCE_LANGUAGE or _known_good(directory, language):
            continue
        before = _fingerprint(directory, language)
        problem = catalog_problem(directory, language)
        if problem and _po_path(directory, language).is_file():
            try:
                compile_catalog(directory, language)
            except Exception as error:
                log.warning("cannot compile the %s catalog: %s", language, error)
            before = _fingerprint(directory, language)
            problem = catalog_problem(directory, language)
        if problem:
            problems.append(problem)
        else:
            _remember_good(directory, language, before)
    return problems


def catalog_directory(app: Flask) -> Path:
    return Path(app.config.get("CATALOG_DIRECTORY") or TRANSLATIONS)


def init_app(app: Flask) -> None:
    """Compile at start; in production refuse to start without every language's catalog."""
    problems = ensure_compiled(catalog_directory(app), app.config["LANGUAGES"])
    if not problems:
        return
    if app.config["APP_MODE"] == "production":
        raise CatalogError("translations: " + "; ".join(problems)
                           + ". Run `pybabel compile -d webapp/translations` as the user "
                             "that owns the checkout (see docs/deploy.md).")
    for problem in problems:
        log.warning("translations: %s", problem)


def check_catalogs() -> tuple[bool, str]:
    """For `flask check`: every language the desk offers has an up-to-date compiled catalog."""
    directory = catalog_directory(current_app)
    languages = [lang for lang in current_app.config["LANGUAGES"] if lang != SOURCE_LANGUAGE]
    problems = [p for p in (catalog_problem(directory, lang) for lang in languages) if p]
    if problems:
        return False, "translations: " + "; ".join(problems)
    return True, f"translations compiled and current ({', '.join(languages)})"
