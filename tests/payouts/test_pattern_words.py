"""Provider patterns in words, in en, ru and uk: every pattern of the spec, of the live-shape
pre-request (the reference answer's patterns, written out here), of the hand-made live fixture
and of the sandbox is either described or plainly called too complex. The same words are the
field's hint and its error; tidying is allowed only where the pattern admits no separators or
no small letters."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale

from webapp.payout_core.fields import tidy_for
from webapp.payout_core.pattern_words import describe_pattern
from webapp.payout_core.patterns import compile_provider_pattern

# pattern → (en, ru, uk)
TABLE: dict[str, tuple[str, str, str]] = {
    # The spec's sample pre-request.
    r"^\d{1,15}$": ("1 to 15 digits", "от 1 до 15 цифр", "від 1 до 15 цифр"),
    r"^[A-Z\-\sa-z]{2,64}$": (
        "2 to 64 characters: Latin letters, spaces, hyphens",
        "от 2 до 64 символов: латинские буквы, пробелы, дефисы",
        "від 2 до 64 символів: латинські літери, пробіли, дефіси"),
    # The live-shape pre-request (reference answer, 43 services).
    r"\d{12,19}": ("anywhere in the value: 12 to 19 digits",
                   "где-либо в значении: от 12 до 19 цифр",
                   "будь-де в значенні: від 12 до 19 цифр"),
    r"\+\d{1,15}": ("anywhere in the value: “+”; then 1 to 15 digits",
                    "где-либо в значении: «+»; затем от 1 до 15 цифр",
                    "будь-де в значенні: «+»; далі від 1 до 15 цифр"),
    r"[0-9]{5,100}": ("anywhere in the value: 5 to 100 digits",
                      "где-либо в значении: от 5 до 100 цифр",
                      "будь-де в значенні: від 5 до 100 цифр"),
    r"[A-z,a-z,0-9]{2,100}": (
        "anywhere in the value: 2 to 100 characters: small Latin letters, digits, “,”, "
        "“A” to “z”",
        "где-либо в значении: от 2 до 100 символов: строчные латинские буквы, цифры, «,», "
        "от «A» до «z»",
        "будь-де в значенні: від 2 до 100 символів: малі латинські літери, цифри, «,», "
        "від «A» до «z»"),
    # The hand-made live fixture.
    r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$": (
        "2 capital Latin letters; then 2 digits; then 10 to 30 characters: capital Latin "
        "letters, digits",
        "2 заглавные латинские буквы; затем 2 цифры; затем от 10 до 30 символов: заглавные "
        "латинские буквы, цифры",
        "2 великі латинські літери; далі 2 цифри; далі від 10 до 30 символів: великі латинські "
        "літери, цифри"),
    r"^[^\\/]{1,64}$": ("1 to 64 characters except “\\”, “/”",
                        "от 1 до 64 символов, кроме «\\», «/»",
                        "від 1 до 64 символів, крім «\\», «/»"),
    r"[A-Z0-9]{8,11}": (
        "anywhere in the value: 8 to 11 characters: capital Latin letters, digits",
        "где-либо в значении: от 8 до 11 символов: заглавные латинские буквы, цифры",
        "будь-де в значенні: від 8 до 11 символів: великі латинські літери, цифри"),
    # The sandbox's services.
    r"^\d{16}$": ("16 digits", "16 цифр", "16 цифр"),
    r"^\d{4}$": ("4 digits", "4 цифры", "4 цифри"),
    r"^\d{3}$": ("3 digits", "3 цифры", "3 цифри"),
    r"^\d{7}$": ("7 digits", "7 цифр", "7 цифр"),
    r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$": (
        "2 capital Latin letters; then 2 digits; then 11 to 30 characters: capital Latin "
        "letters, digits",
        "2 заглавные латинские буквы; затем 2 цифры; затем от 11 до 30 символов: заглавные "
        "латинские буквы, цифры",
        "2 великі латинські літери; далі 2 цифри; далі від 11 до 30 символів: великі латинські "
        "літери, цифри"),
    r"^[A-Za-z][A-Za-z .'\-]{1,69}$": (
        "1 Latin letter; then 1 to 69 characters: Latin letters, spaces, “.”, “'”, hyphens",
        "1 латинская буква; затем от 1 до 69 символов: латинские буквы, пробелы, «.», «'», "
        "дефисы",
        "1 латинська літера; далі від 1 до 69 символів: латинські літери, пробіли, «.», «'», "
        "дефіси"),
    r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$": (
        "6 capital Latin letters; then 2 characters: capital Latin letters, digits; then "
        "optionally 3 characters: capital Latin letters, digits",
        "6 заглавных латинских букв; затем 2 символа: заглавные латинские буквы, цифры; затем "
        "необязательно: 3 символа: заглавные латинские буквы, цифры",
        "6 великих латинських літер; далі 2 символи: великі латинські літери, цифри; далі "
        "необов’язково: 3 символи: великі латинські літери, цифри"),
    r"^(bc1|[13])[a-km-zA-HJ-NP-Z1-9]{25,62}$": (
        "starts with one of “bc1”, “1”, “3”; then 25 to 62 characters: “a” to “k”, “m” to "
        "“z”, “A” to “H”, “J” to “N”, “P” to “Z”, “1” to “9”",
        "начинается с одного из: «bc1», «1», «3»; затем от 25 до 62 символов: от «a» до «k», "
        "от «m» до «z», от «A» до «H», от «J» до «N», от «P» до «Z», от «1» до «9»",
        "починається з одного з: «bc1», «1», «3»; далі від 25 до 62 символів: від «a» до «k», "
        "від «m» до «z», від «A» до «H», від «J» до «N», від «P» до «Z», від «1» до «9»"),
    r"^\+7\d{10}$": ("starts with “+7”; then 10 digits", "начинается с «+7»; затем 10 цифр",
                     "починається з «+7»; далі 10 цифр"),
    r"^04\d{7}$": ("starts with “04”; then 7 digits", "начинается с «04»; затем 7 цифр",
                   "починається з «04»; далі 7 цифр"),
    r"^\+77\d{9}$": ("starts with “+77”; then 9 digits", "начинается с «+77»; затем 9 цифр",
                     "починається з «+77»; далі 9 цифр"),
    r"^.{2,100}$": ("2 to 100 characters", "от 2 до 100 символов", "від 2 до 100 символів"),
    r"^.{5,140}$": ("5 to 140 characters", "от 5 до 140 символов", "від 5 до 140 символів"),
    r"^.{0,140}$": ("up to 140 characters", "до 140 символов", "до 140 символів"),
    r"^(beeline|kcell|tele2|altel)$": (
        "one of “beeline”, “kcell”, “tele2”, “altel”",
        "одно из: «beeline», «kcell», «tele2», «altel»",
        "одне з: «beeline», «kcell», «tele2», «altel»"),
    r"^[A-Z0-9]{6,34}$": (
        "6 to 34 characters: capital Latin letters, digits",
        "от 6 до 34 символов: заглавные латинские буквы, цифры",
        "від 6 до 34 символів: великі латинські літери, цифри"),
    # Shapes beyond the fixtures: plurals and open ranges.
    r"^\d{1}$": ("1 digit", "1 цифра", "1 цифра"),
    r"^\d{21}$": ("21 digits", "21 цифра", "21 цифра"),
    r"^\d{2,}$": ("at least 2 digits", "не менее 2 цифр", "щонайменше 2 цифри"),
    r"^[a-z]+$": ("one or more small Latin letters", "одна или несколько строчных латинских букв",
                  "одна або кілька малих латинських літер"),
    r"^[A-Z]{0,5}$": ("up to 5 capital Latin letters", "до 5 заглавных латинских букв",
                      "до 5 великих латинських літер"),
}

# Patterns we do not put into words: said plainly, and still checked (RE2 or not).
COMPLEX = [r"^(?=a)b$", r"^(\d)\1$", r"^\w+@\w+$", r"^a", r"^(a|b)+(c|d){2}[e-f]{3}x{4}y{5}z{6}$"]


@pytest.mark.parametrize("pattern", list(TABLE))
@pytest.mark.parametrize(("index", "language"), [(0, "en"), (1, "ru"), (2, "uk")])
def test_pattern_in_words(app: Flask, pattern: str, index: int, language: str) -> None:
    with app.test_request_context(), force_locale(language):
        words = describe_pattern(pattern)
    assert words.described and words.text == TABLE[pattern][index]


@pytest.mark.parametrize("pattern", COMPLEX)
@pytest.mark.parametrize(("language", "phrase"), [
    ("en", "too complex to describe"), ("ru", "слишком сложен"), ("uk", "надто складний")])
def test_complex_patterns_say_so_and_show_the_pattern(app: Flask, pattern: str, language: str,
                                                     phrase: str) -> None:
    with app.test_request_context(), force_locale(language):
        words = describe_pattern(pattern)
    assert not words.described and phrase in words.text and pattern in words.text


@pytest.mark.parametrize(("pattern", "typed", "sent"), [
    (r"^\d{16}$", "4111 1111-1111 1111", "4111111111111111"),
    (r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$", "de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    (r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$", "deut de ff", "DEUTDEFF"),
    (r"^\d{1,15}$", " 123 456 ", "123456"),
])
def test_tidying_only_where_meaning_cannot_change(pattern: str, typed: str, sent: str) -> None:
    tidy = tidy_for(compile_provider_pattern(pattern))
    assert tidy is not None and tidy(typed) == sent


@pytest.mark.parametrize("pattern", [
    r"^[A-Z\-\sa-z]{2,64}$",  # admits spaces, hyphens and small letters
    r"^[A-Za-z][A-Za-z .'\-]{1,69}$", r"^.{2,100}$",
    r"[0-9]{5,100}",  # unanchored: anything may surround the digits
])
def test_no_tidying_where_meaning_could_change(pattern: str) -> None:
    assert tidy_for(compile_provider_pattern(pattern)) is None


def test_small_letter_choices_are_never_upper_cased() -> None:
    tidy = tidy_for(compile_provider_pattern(r"^(beeline|kcell|tele2|altel)$"))
    assert tidy is not None and not tidy.upper_case and tidy("kcell") == "kcell"


def test_phone_prefix_is_not_tidied_into_a_different_number() -> None:
    tidy = tidy_for(compile_provider_pattern(r"^\+7\d{10}$"))
    assert tidy is not None and not tidy.upper_case
    assert tidy("+7 912 345-67-89") == "+79123456789"
