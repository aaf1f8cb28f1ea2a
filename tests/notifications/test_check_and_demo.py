"""`flask check` reports the SMTP server and the sender; the demo's log:// prints e-mails."""

from __future__ import annotations

import logging

from webapp.checks import check_mail_from, check_smtp
from webapp.models import Role
from webapp.notifications import jobs


def test_check_reports_the_smtp_server_and_the_sender(app, smtp):
    result = check_smtp()
    assert result is not None and result.ok and "answers" in result.message
    sender = check_mail_from()
    assert sender is not None and sender.ok and "desk@example.test" in sender.message
    app.config["MAIL_FROM"] = None
    missing = check_mail_from()
    assert missing is not None and not missing.ok and "MAIL_FROM" in missing.message


def test_the_demo_transport_prints_each_e_mail_to_the_log(app, person, make_payout, caplog):
    creator = person("operator", Role.OPERATOR)
    person("manager", Role.MANAGER)
    app.config.update(SMTP_URL="log://", PUBLIC_BASE_URL="http://127.0.0.1:5000")
    try:
        payout = make_payout(creator)
        with caplog.at_level(logging.INFO, logger="webapp.notifications.mailer"):
            jobs.run_once()
        check = check_smtp()
    finally:
        app.config.update(SMTP_URL=None)
    printed = "\n".join(r.getMessage() for r in caplog.records)
    assert "e-mail (printed, not sent) to manager@example.test" in printed
    assert f"Payout #{payout.id} waits for your approval" in printed
    assert f"http://127.0.0.1:5000/payouts/{payout.id}" in printed
    assert check is not None and check.label == "warn"
