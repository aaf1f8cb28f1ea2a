"""Which language a page speaks: saved preference, else the header switch (kept in the
session), else the browser's Accept-Language (by primary subtag), else English."""

from __future__ import annotations

from webapp.extensions import db
from webapp.models import Role, User


def lang_of(response) -> str:
    return response.get_data(as_text=True).split('<html lang="', 1)[1].split('"', 1)[0]


def test_english_when_nothing_says_otherwise(client):
    assert lang_of(client.get("/login")) == "en"


def test_accept_language_by_primary_subtag_in_quality_order(client):
    assert lang_of(client.get("/login", headers={"Accept-Language": "ru-RU,en;q=0.5"})) == "ru"
    assert lang_of(client.get("/login", headers={"Accept-Language": "de,uk;q=0.8"})) == "uk"
    assert lang_of(client.get("/login", headers={"Accept-Language": "de,fr"})) == "en"


def test_the_header_switch_is_remembered_and_beats_the_browser(client):
    answer = client.post("/language", data={"language": "uk", "next": "/login"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/login")
    assert lang_of(client.get("/login", headers={"Accept-Language": "ru"})) == "uk"
    client.post("/language", data={"language": "xx", "next": "/login"})  # ignored
    assert lang_of(client.get("/login")) == "uk"


def test_the_saved_preference_beats_the_switch(make_user, client_for):
    make_user("olga", Role.OPERATOR, language="ru")
    client = client_for("olga")
    with client.session_transaction() as session:
        session["language"] = "uk"
    assert lang_of(client.get("/profile")) == "ru"


def test_switching_while_signed_in_saves_the_preference(make_user, client_for):
    make_user("olga", Role.OPERATOR)
    client = client_for("olga")
    client.post("/language", data={"language": "uk", "next": "/"})
    db.session.expire_all()
    assert db.session.scalar(db.select(User.language).filter_by(username="olga")) == "uk"


def test_an_offsite_next_is_not_followed(client):
    answer = client.post("/language", data={"language": "ru", "next": "//evil.example/"})
    assert answer.headers["Location"] == "/"
