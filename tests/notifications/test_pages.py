"""The inbox, its unread count in the navigation, the settings page with the address
confirmation, the users CLI's --email and the /metrics counts."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.notifications.conftest import BASE_URL, body
from webapp.extensions import db
from webapp.models import Notification, Role, User
from webapp.notifications import addresses, jobs
from webapp.notifications.events import Event
from webapp.notifications.preferences import preferences_of

HX = {"HX-Request": "true"}


def test_the_inbox_lists_notifications_and_the_count_follows_reading(
        person, make_payout, client_for):
    creator = person("olga", Role.OPERATOR)
    manager = person("max", Role.MANAGER)
    first, second = make_payout(creator), make_payout(creator, amount="20.00")
    jobs.run_once()
    client = client_for("max")

    page = client.get("/payouts/").get_data(as_text=True)
    # The page costs no query for it: the count comes on load, then every 30 seconds.
    assert 'id="inbox-count"' in page and 'hx-trigger="load, every 30s"' in page

    fragment = client.get("/notifications/count", headers=HX)
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and 'data-unread="2"' in text
    assert 'hx-trigger="every 30s"' in text  # polling goes on after the first answer

    inbox = client.get("/notifications/").get_data(as_text=True)
    assert f"Payout #{first.id} waits for your approval" in inbox
    assert f"Payout #{second.id} waits for your approval" in inbox
    assert f'href="/payouts/{first.id}"' in inbox or f"/payouts/{first.id}" in inbox

    mine = db.session.scalar(select(Notification.id).where(
        Notification.user_id == manager.id, Notification.subject_id == first.id))
    assert client.post(f"/notifications/{mine}/read").status_code == 303
    assert 'data-unread="1"' in client.get("/notifications/count", headers=HX).get_data(
        as_text=True)
    assert client.post("/notifications/read-all").status_code == 303
    assert "data-unread" not in client.get("/notifications/count", headers=HX).get_data(
        as_text=True)
    assert client.get("/notifications/count").status_code == 303  # no htmx: the inbox


def test_nobody_reads_or_marks_anothers_notifications(person, make_payout, client_for):
    creator = person("olga", Role.OPERATOR)
    person("max", Role.MANAGER)
    make_payout(creator)
    jobs.run_once()
    theirs = db.session.scalar(select(Notification.id))
    olga = client_for("olga")
    assert olga.post(f"/notifications/{theirs}/read").status_code == 404
    assert "waits for your approval" not in olga.get("/notifications/").get_data(as_text=True)
    assert db.session.scalar(select(Notification.read_at)) is None


def test_a_new_address_is_used_only_after_its_owner_confirms_it(
        make_user, client_for, smtp):
    user = make_user("olga", Role.OPERATOR, language="uk")
    client = client_for("olga")
    answer = client.post("/notifications/settings/address",
                         data={"address": "olga.new@example.test"})
    assert answer.status_code == 303
    assert addresses.address_of(user.id) is None
    [message] = smtp.to("olga.new@example.test")
    assert "Підтвердьте" in message["Subject"]
    link = re.search(re.escape(BASE_URL) + r"(/notifications/confirm/[\w-]+)", body(message))
    assert link

    make_user("mallory", Role.OPERATOR)
    other = client_for("mallory")
    other.post(link.group(1))  # someone else's session cannot take the token
    assert addresses.address_of(user.id) is None

    assert client.get(link.group(1)).status_code == 200
    assert addresses.address_of(user.id) is None  # a GET changes nothing
    assert client.post(link.group(1)).status_code == 303
    db.session.expire_all()
    assert addresses.address_of(user.id) == "olga.new@example.test"
    assert client.post(link.group(1)).status_code == 303  # used once
    assert "olga.new@example.test" in client.get(
        "/notifications/settings").get_data(as_text=True)


def test_a_malformed_address_is_refused_on_the_page(make_user, client_for):
    make_user("olga", Role.OPERATOR)
    answer = client_for("olga").post("/notifications/settings/address",
                                     data={"address": "not an address"})
    assert answer.status_code == 422
    assert "name@example.com" in answer.get_data(as_text=True)


def test_preferences_are_saved_from_the_settings_page(make_user, client_for):
    user = make_user("max", Role.MANAGER)
    client = client_for("max")
    assert client.get("/notifications/settings").status_code == 200
    data = {f"email_{e.value}": "y" for e in Event if e != Event.PAYOUT_APPROVED}
    data["digest_payout_waiting"] = "daily"
    assert client.post("/notifications/settings/preferences", data=data).status_code == 303
    prefs = preferences_of(user.id)
    assert prefs[Event.PAYOUT_WAITING].digest == "daily"
    assert prefs[Event.PAYOUT_APPROVED].email is False
    assert prefs[Event.PAYOUT_REJECTED].email is True


def test_users_create_takes_an_email(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "Nina", "--role", "operator", "--email", "nina@example.test",
        "--password-stdin"], input="a long enough passphrase 42\n")
    assert result.exit_code == 0, result.output
    nina = db.session.scalar(select(User).where(User.username == "nina"))
    assert nina is not None and addresses.address_of(nina.id) == "nina@example.test"
    bad = app.test_cli_runner().invoke(args=[
        "users", "create", "Nick", "--role", "operator", "--email", "nope",
        "--password-stdin"], input="a long enough passphrase 42\n")
    assert bad.exit_code != 0 and "not an e-mail address" in bad.output
    assert db.session.scalar(select(User).where(User.username == "nick")) is None


def test_metrics_count_sent_e_mails(person, make_payout, smtp, admin_client):
    creator = person("olga", Role.OPERATOR)
    person("max", Role.MANAGER)
    person("mia", Role.MANAGER)
    make_payout(creator)
    jobs.run_once()
    text = admin_client.get("/metrics").get_data(as_text=True)
    assert 'payouts_desk_notification_emails{state="sent"} 2.0' in text
    assert 'payouts_desk_notification_emails{state="failed"} 0.0' in text


def test_an_admin_sets_someones_address_on_the_user_page(make_user, admin_client):
    olga = make_user("olga", Role.OPERATOR)
    page = admin_client.get(f"/admin/users/{olga.id}").get_data(as_text=True)
    assert 'id="notification-email"' in page
    answer = admin_client.post(f"/notifications/admin/users/{olga.id}/address",
                               data={"address": "olga@example.test"})
    assert answer.status_code == 303
    db.session.expire_all()
    assert addresses.address_of(olga.id) == "olga@example.test"
    assert "olga@example.test" in admin_client.get(f"/admin/users/{olga.id}").get_data(
        as_text=True)
    admin_client.post(f"/notifications/admin/users/{olga.id}/address", data={"address": "x"})
    db.session.expire_all()
    assert addresses.address_of(olga.id) == "olga@example.test"  # a malformed one is refused


def test_the_confirmation_link_signed_out_asks_to_sign_in_and_reveals_nothing(
        make_user, client, smtp):
    user = make_user("olga", Role.OPERATOR)
    token = addresses.request_change(user.id, "olga.new@example.test")
    db.session.commit()
    page = client.get(f"/notifications/confirm/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sign in to the desk first" in text
    assert "olga.new@example.test" not in text
    assert client.post(f"/notifications/confirm/{token}").status_code == 302  # to the login
    assert addresses.address_of(user.id) is None
