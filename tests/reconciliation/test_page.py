"""/reconciliation: who may see and start runs, the differences filtered and exported (CSV
and XLSX), "explained" with a note (audited, once), the /metrics gauge and the dashboard's
warning."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.reconciliation.helpers import change, outside, run_today
from webapp.extensions import db
from webapp.models import AuditEvent, ReconciliationDifference, ReconciliationRun, Role
from webapp.models.base import utcnow

TOKEN = "metrics-token-for-tests-0123456789"
READERS = [Role.MANAGER, Role.ADMIN, Role.AUDITOR]


@pytest.fixture
def with_differences(app, make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR), amount="10.00")
    change(sandbox, payout.provider_invoice_id, amount="11.00")
    outside(sandbox, count=2, reference_prefix="=HYPERLINK(1)")
    return run_today()


def _open_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ReconciliationDifference)
                             .where(ReconciliationDifference.explained.is_(False)))


@pytest.mark.parametrize("role", READERS)
def test_managers_admins_and_auditors_see_and_start_runs(app, sandbox, login_as, role):
    client = login_as(role, username="reader")
    assert client.get("/reconciliation/").status_code == 200
    today = utcnow().date().isoformat()
    answer = client.post("/reconciliation/runs", data={"date_from": today, "date_to": today})
    assert answer.status_code == 303
    run = db.session.scalars(db.select(ReconciliationRun)).one()
    assert run.status == "done" and run.requested_by.username == "reader"
    assert answer.headers["Location"].endswith(f"/reconciliation/runs/{run.id}")
    assert db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "reconciliation.started")).one().actor.username == "reader"


def test_an_operator_may_not_see_start_explain_or_export(with_differences, login_as):
    client = login_as(Role.OPERATOR, username="op")
    run = with_differences
    difference = db.session.scalars(db.select(ReconciliationDifference)).first()
    today = utcnow().date().isoformat()
    for answer in (
        client.get("/reconciliation/"),
        client.get(f"/reconciliation/runs/{run.id}"),
        client.get(f"/reconciliation/runs/{run.id}/differences.csv"),
        client.get(f"/reconciliation/runs/{run.id}/differences.xlsx"),
        client.post("/reconciliation/runs", data={"date_from": today, "date_to": today}),
        client.post(f"/reconciliation/differences/{difference.id}/explain",
                    data={"note": "mine"}),
    ):
        assert answer.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(ReconciliationRun)) == 1
    assert _open_count() == 3
    assert "/reconciliation/" not in client.get("/").get_data(as_text=True)


def test_a_bad_period_is_refused(app, login_as):
    client = login_as(Role.MANAGER, username="max")
    answer = client.post("/reconciliation/runs", data={"date_from": "2026-02-01",
                                                       "date_to": "2026-01-01"},
                         follow_redirects=True)
    assert "The period ends before it starts." in answer.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ReconciliationRun)) == 0


def test_the_differences_filter_by_kind_and_state(with_differences, login_as):
    client = login_as(Role.AUDITOR, username="aud")
    url = f"/reconciliation/runs/{with_differences.id}"
    everything = client.get(url).get_data(as_text=True)
    assert everything.count("data-difference=") == 3
    amounts = client.get(url + "?kind=amount").get_data(as_text=True)
    assert re.findall(r'data-kind="(\w+)"', amounts) == ["amount"]
    assert client.get(url + "?state=explained").get_data(as_text=True).count(
        "data-difference=") == 0


def test_the_csv_export_holds_every_difference_guarded(with_differences, login_as):
    client = login_as(Role.AUDITOR, username="aud")
    answer = client.get(f"/reconciliation/runs/{with_differences.id}/differences.csv")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["ID", "Kind", "Payout"]
    kinds = sorted(r[1] for r in rows[1:])
    assert kinds == ["Amount differs", "At the provider, unknown to the desk",
                     "At the provider, unknown to the desk"]
    references = [r[4] for r in rows[1:] if r[1].startswith("At the provider")]
    assert all(ref.startswith("'=HYPERLINK(1)-") for ref in references)
    only = client.get(f"/reconciliation/runs/{with_differences.id}/differences.csv?kind=amount")
    assert len(list(csv.reader(io.StringIO(only.get_data(as_text=True))))) == 2


def test_the_xlsx_export_holds_every_difference(with_differences, login_as):
    client = login_as(Role.MANAGER, username="max")
    answer = client.get(f"/reconciliation/runs/{with_differences.id}/differences.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.get_data())).active
    values = list(sheet.values)
    assert values[0][1] == "Kind" and len(values) == 4
    amount = next(v for v in values if v[1] == "Amount differs")
    assert (amount[6], amount[7]) == ("10", "11")


def test_explaining_a_difference_needs_a_note_is_audited_and_happens_once(
        with_differences, login_as):
    client = login_as(Role.AUDITOR, username="aud")
    difference = db.session.scalars(db.select(ReconciliationDifference).where(
        ReconciliationDifference.kind == "amount")).one()
    url = f"/reconciliation/differences/{difference.id}/explain"
    empty = client.post(url, data={"note": "  ", "run": with_differences.id},
                        follow_redirects=True)
    assert "Write a note that explains the difference." in empty.get_data(as_text=True)
    assert _open_count() == 3
    answer = client.post(url, data={"note": "Corrected by the provider's support, ticket 88",
                                    "run": with_differences.id})
    assert answer.status_code == 303
    db.session.expire_all()
    stored = db.session.get(ReconciliationDifference, difference.id)
    assert stored.explained and stored.note.startswith("Corrected")
    assert stored.explained_by.username == "aud"
    client.post(url, data={"note": "again", "run": with_differences.id})
    audits = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "reconciliation.explained")).all()
    assert len(audits) == 1 and audits[0].target == f"reconciliation_difference:{difference.id}"
    db.session.expire_all()
    assert db.session.get(ReconciliationDifference, difference.id).note.startswith("Corrected")
    page = client.get(f"/reconciliation/runs/{with_differences.id}?state=explained")
    assert "ticket 88" in page.get_data(as_text=True)


def test_metrics_count_open_differences(app, with_differences, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
        as_text=True)
    assert re.search(r"^payouts_desk_reconciliation_open_differences 3\.0$", text, re.M)


def test_the_dashboard_warns_while_differences_are_open(with_differences, login_as):
    manager = login_as(Role.MANAGER, username="max")
    page = manager.get("/").get_data(as_text=True)
    assert 'id="reconciliation-warning"' in page and "3 differences" in page
    db.session.execute(db.update(ReconciliationDifference).values(explained=True))
    db.session.commit()
    assert 'id="reconciliation-warning"' not in manager.get("/").get_data(as_text=True)


def test_the_csv_export_follows_a_russian_readers_spreadsheet(with_differences, make_user,
                                                              client_for):
    """Issue 21's rule for every export: ";" between fields where the decimal sign is ","."""
    make_user("vera", Role.AUDITOR, language="ru")
    answer = client_for("vera").get(
        f"/reconciliation/runs/{with_differences.id}/differences.csv")
    text = answer.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 4 and all(len(row) == 11 for row in rows)
