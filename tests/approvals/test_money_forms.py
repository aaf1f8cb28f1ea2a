"""No form has a money action as its implicit (Enter) submit unless that is the form's only
action. Checked on the rendered pages a manager decides on: the queue, the confirmation, a
payout's page and a batch's page. A button's form is its `form` attribute or its ancestor."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from tests.batches.conftest import accounts, csv_bytes, service
from webapp.approvals.fingerprint import fingerprint_of
from webapp.batches.services import create_batch, read_file, submit_batch
from webapp.models import Role

# Actions that move money: approving (one, several, a batch) and sending failed rows again.
MONEY = re.compile(r"/approvals/(\d+/)?approve$|/batches/\d+/(approve|retry)$")


@dataclass
class Form:
    action: str
    submits: list[str] = field(default_factory=list)  # effective action of each submit, in order


class Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, Form] = {}
        self.stack: list[str] = []
        self.late: list[tuple[str, str]] = []  # (form id, formaction) of `form=` buttons
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.count += 1
            key = a.get("id") or f"form-{self.count}"
            self.forms[key] = Form(action=a.get("action", ""))
            self.stack.append(key)
        elif tag == "button" and a.get("type", "submit") == "submit":
            owner = a.get("form") or (self.stack[-1] if self.stack else "")
            if owner:
                self.late.append((owner, a.get("formaction", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.stack:
            self.stack.pop()

    def result(self) -> dict[str, Form]:
        for owner, formaction in self.late:
            form = self.forms[owner]
            form.submits.append(formaction or form.action)
        return self.forms


def offending(page: str) -> list[str]:
    parser = Forms()
    parser.feed(page)
    found = []
    for key, form in parser.result().items():
        if len(form.submits) > 1 and MONEY.search(form.submits[0]):
            found.append(f"{key}: Enter would {form.submits[0]} (of {form.submits})")
    return found


def test_no_money_action_is_an_implicit_submit(app, make_user, make_payout, client_for,
                                               sandbox):
    creator = make_user("olga", Role.OPERATOR)
    payouts = [make_payout(creator, amount=a) for a in ("11.00", "12.00")]
    chosen = service()
    report = read_file("pay.csv", csv_bytes(accounts(2)), chosen, "USD", "en")
    batch = create_batch(creator, chosen, "USD", "pay.csv", report, "en")
    assert submit_batch(batch, creator)
    make_user("max", Role.MANAGER)
    client = client_for("max")
    pages = {
        "queue": client.get("/approvals/").get_data(as_text=True),
        "confirmation": client.post("/approvals/review", data={
            "payout": [f"{p.id}:{fingerprint_of(p)}" for p in payouts]}).get_data(as_text=True),
        "payout": client.get(f"/payouts/{payouts[0].id}").get_data(as_text=True),
        "batch": client.get(f"/batches/{batch.id}").get_data(as_text=True),
    }
    for name, page in pages.items():
        assert offending(page) == [], name
    # The pages do offer money actions: each in a form of its own.
    assert 'action="/approvals/approve"' in pages["confirmation"]
    assert f'action="/batches/{batch.id}/approve"' in pages["batch"]
    assert f'action="/approvals/{payouts[0].id}/approve"' in pages["queue"]


def test_the_checker_catches_a_money_action_as_implicit_submit() -> None:
    """The old queue: one form whose first button approved and paid."""
    old = ('<form action="/approvals/batch"><button name="action" value="approve" '
           'formaction="/approvals/approve">Approve selected</button>'
           '<input name="reason"><button>Reject selected</button></form>')
    assert offending(old) != []
