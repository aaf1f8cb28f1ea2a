"""The pseudo-locale `xx`: every msgid of the template (`messages.pot`) wrapped in ⟦…⟧ with
each Latin letter swapped for an accented one ("Payouts" → "⟦Ƥàýöûţš⟧").

A page rendered in `xx` then holds no plain ASCII word that came from our catalog, so any
ASCII word left on it is either data (a name, an amount, a code) or a string that never went
through the catalog. Generated at test time, never committed.

Babel has no locale data for `xx`; `register_locale()` lends it the CLDR data of Greek: month
and day names hold no ASCII word, and its "1.234,50" catches numbers formatted by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import wtforms
from babel import localedata
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PSEUDO = "xx"
OPEN, CLOSE = "⟦", "⟧"
LETTERS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçðéƒĝĥîĵķļɱñöþʠŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĻṀÑÖƤǪŔŠŢÛṼŴẊÝŽ",
)
# Kept as they are: printf and format placeholders, HTML tags and entities.
KEEP = re.compile(r"%\(\w+\)[sdfr]|%[sdfr%]|\{\w*\}|<[^>]*>|&#?\w+;")
TEMPLATE = Path(__file__).resolve().parents[2] / "webapp" / "translations" / "messages.pot"


def pseudo(text: str) -> str:
    """`text` with its letters accented (placeholders, tags, entities untouched), wrapped."""
    pieces, last = [], 0
    for kept in KEEP.finditer(text):
        pieces.append(text[last:kept.start()].translate(LETTERS))
        pieces.append(kept.group())
        last = kept.end()
    pieces.append(text[last:].translate(LETTERS))
    return OPEN + "".join(pieces) + CLOSE


FORMATS_FROM = "el"
WTFORMS_TEMPLATE = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"


def register_locale() -> None:
    """Make `Locale.parse("xx")` work: Greek CLDR data under the pseudo-locale's name."""
    if PSEUDO not in localedata._cache:
        localedata._cache[PSEUDO] = localedata.load(FORMATS_FROM)


def build_catalog(directory: Path, template: Path = TEMPLATE, domain: str = "messages") -> Path:
    """Write `directory/xx/LC_MESSAGES/<domain>.mo` from the template; return `directory`.
    (WTForms' own messages, "This field is required." …, have the domain `wtforms`.)"""
    register_locale()
    with template.open("rb") as handle:
        source = read_po(handle)
    catalog = Catalog(locale=PSEUDO, domain=domain)
    catalog.plural_forms  # noqa: B018 (root data has no plural rule: the header sets one)
    for message in source:
        if not message.id:
            continue
        if isinstance(message.id, (tuple, list)):
            string: str | tuple[str, ...] = (pseudo(message.id[0]), pseudo(message.id[1]))
        else:
            string = pseudo(message.id)
        catalog.add(message.id, string, context=message.context)
    target = directory / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / f"{domain}.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return directory
