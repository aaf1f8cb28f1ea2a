"""What the demo desk holds: one line per payout, written as a newcomer would read it.

Outcomes are steered through the sandbox's test service fields (`test_details_*`), the way a
tester asks the sandbox for a result; the other services end `processed` by default.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class Planned(NamedTuple):
    creator: str
    service: str
    currency: str
    amount: Decimal
    fields: dict[str, str]
    outcome: str  # waiting | processed | failed | processing | rejected | unknown
    days_ago: float
    decider: str = "manager"
    note: str = ""  # a rejection reason, or a description


def _test(account: str, status: str = "", resolution: str = "") -> dict[str, str]:
    fields = {"account": account}
    if status:
        fields["test_details_payout_status"] = status
    if resolution:
        fields["test_details_payout_resolution"] = resolution
    return fields


D = Decimal
CARD = {"card_number": "4111111111111111"}
IBAN = {"iban": "DE89370400440532013000", "beneficiary_name": "Anna Schmidt"}

PAYOUTS: tuple[Planned, ...] = (
    # Waiting for a manager: from each operator.
    Planned("operator", "test_usd", "USD", D("120.00"), _test("4001001"), "waiting", 0.2,
            note="Freelance design, November"),
    Planned("operator", "card_uah", "UAH", D("3500.00"), CARD, "waiting", 0.6,
            note="Refund, order 88412"),
    Planned("operator", "iban_eur", "EUR", D("860.50"), IBAN, "waiting", 1.1,
            note="Translation invoice 2026-114"),
    Planned("operator", "test_usd", "USD", D("45.99"), _test("4001002"), "waiting", 2.3),
    Planned("operator2", "test_usd", "USD", D("310.00"), _test("4001003"), "waiting", 0.4,
            note="Affiliate commission"),
    Planned("operator2", "card_uah", "UAH", D("1250.00"), CARD, "waiting", 1.7,
            note="Courier expenses"),
    Planned("operator2", "iban_eur", "EUR", D("2400.00"), IBAN, "waiting", 3.2,
            note="Consulting, October"),
    # Approved and paid.
    Planned("operator", "test_usd", "USD", D("75.00"), _test("4001010"), "processed", 20.5),
    Planned("operator2", "test_usd", "USD", D("1500.00"), _test("4001011"), "processed", 19.2,
            decider="manager2"),
    Planned("operator", "card_uah", "UAH", D("900.00"), CARD, "processed", 17.8),
    Planned("operator2", "iban_eur", "EUR", D("640.00"), IBAN, "processed", 16.1,
            decider="manager2"),
    Planned("operator", "test_usd", "USD", D("220.40"), _test("4001012"), "processed", 14.6),
    Planned("operator2", "card_uah", "UAH", D("4800.00"), CARD, "processed", 13.3),
    Planned("operator", "iban_eur", "EUR", D("1200.00"), IBAN, "processed", 11.9,
            decider="manager2"),
    Planned("operator2", "test_usd", "USD", D("89.90"), _test("4001013"), "processed", 10.4),
    Planned("operator", "test_usd", "USD", D("3000.00"), _test("4001014"), "processed", 8.7,
            decider="manager2"),
    Planned("operator2", "card_uah", "UAH", D("650.00"), CARD, "processed", 7.2),
    Planned("operator", "iban_eur", "EUR", D("99.00"), IBAN, "processed", 5.5),
    Planned("operator2", "test_usd", "USD", D("410.00"), _test("4001015"), "processed", 4.1,
            decider="manager2"),
    Planned("operator", "card_uah", "UAH", D("2100.00"), CARD, "processed", 2.8),
    Planned("operator2", "test_usd", "USD", D("58.00"), _test("4001016"), "processed", 1.4),
    # Approved, then refused by the provider: each shows its resolution.
    Planned("operator", "test_usd", "USD", D("700.00"),
            _test("4001020", "process failed", "insufficient funds"), "failed", 18.4),
    Planned("operator2", "test_usd", "USD", D("150.00"),
            _test("4001021", "process failed", "invalid recipient"), "failed", 12.2,
            decider="manager2"),
    Planned("operator", "test_usd", "USD", D("95.00"),
            _test("4001022", "process failed", "limit violation"), "failed", 6.3),
    Planned("operator2", "test_usd", "USD", D("260.00"),
            _test("4001023", "expired"), "failed", 3.6, decider="manager2"),
    # Approved; the provider is still working on them.
    Planned("operator", "test_usd", "USD", D("180.00"), _test("4001030", "processing"),
            "processing", 0.9),
    Planned("operator2", "test_usd", "USD", D("640.00"), _test("4001031", "processing"),
            "processing", 0.3, decider="manager2"),
    # Rejected by a manager, with the reason.
    Planned("operator", "test_usd", "USD", D("5000.00"), _test("4001040"), "rejected", 15.0,
            note="No signed contract on file for this recipient."),
    Planned("operator2", "card_uah", "UAH", D("12000.00"), CARD, "rejected", 9.8,
            decider="manager2", note="Amount does not match invoice 7731 (should be 1200)."),
    Planned("operator", "iban_eur", "EUR", D("310.00"), IBAN, "rejected", 4.9,
            note="Duplicate of last week's transfer."),
    Planned("operator2", "test_usd", "USD", D("999.00"), _test("4001041"), "rejected", 1.9,
            decider="manager2", note="Recipient asked to be paid by card instead."),
    # The process call's answer was lost: the worker checks it with the provider.
    Planned("operator", "test_usd", "USD", D("130.00"), _test("4001050"), "unknown", 0.0),
)

# Rows of the two batches (test service accounts), and how long ago they were uploaded.
FINISHED_BATCH = (("5001001", "40.00"), ("5001002", "55.50"), ("5001003", "120.00"),
                  ("5001004", "75.25"), ("5001005", "300.00"))
FINISHED_BATCH_DAYS_AGO = 6.0
WAITING_BATCH = (("5002001", "60.00"), ("5002002", "82.00"), ("5002003", "19.99"),
                 ("5002004", "250.00"))
WAITING_BATCH_DAYS_AGO = 0.5
