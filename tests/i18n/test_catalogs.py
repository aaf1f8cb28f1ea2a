"""The ru and uk catalogs are complete, in step with the sources, and keep every placeholder.
Adding a string to the code without translating it fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "webapp" / "translations"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None,
            "ngettext": (1, 2), "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(language: str):
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def _source_ids() -> set[str]:
    method_map = [("webapp/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


@pytest.fixture(scope="module")
def source_ids() -> set[str]:
    return _source_ids()


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_every_message_is_translated_and_not_fuzzy(language: str) -> None:
    catalog = _catalog(language)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            missing.append(message.id)
    assert missing == [], f"{len(missing)} untranslated in {language}: {missing[:10]}"
    assert catalog.num_plurals == 3


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_the_catalog_holds_every_string_of_the_sources(language: str, source_ids) -> None:
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in _catalog(language) if m.id}
    absent = sorted(source_ids - ids)
    assert absent == [], f"run `make translations` and translate: {absent[:10]}"


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_translations_keep_every_placeholder(language: str) -> None:
    wrong = []
    for message in _catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) - expected or (
                    len(ids) == 1 and set(PLACEHOLDER.findall(text)) != expected):
                wrong.append((ids[0], text))
    assert wrong == []
