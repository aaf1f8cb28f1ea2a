"""A large pre-request answer in the spec's shape: 200 services of 6 fields each, across 10
payout methods, labels and hints in three languages, regexps escaped as the provider does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SPEC_SAMPLE = (Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "spec"
               / "prerequest_response.json")
FIELD_KINDS = (  # key, en label, ru label, uk label, regexp (as the provider writes it), example
    ("iban", "IBAN", "IBAN", "IBAN", r"^[A-Z]{2}\\d{2}[A-Z0-9]{11,30}$",
     "UA213223130000026007233566001"),
    ("card_number", "Card number", "Номер карты", "Номер картки", r"^\\d{16}$",
     "4111111111111111"),
    ("holder_name", "Holder name", "Имя владельца", "Ім'я власника",
     r"^[A-Z\\-\\sa-z]{2,64}$", None),
    ("email", "Email", "Эл. почта", "Ел. пошта", r"^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$", None),
    ("phone", "Phone", "Телефон", "Телефон", r"^\\+?\\d{7,15}$", "+380501234567"),
    ("bank_bic", "Bank BIC", "БИК банка", "БІК банку",
     r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$", None),
)
METHODS = 10


def _texts(en: str, ru: str, uk: str) -> dict[str, str]:
    return {"ru": ru, "en": en, "uk": uk}


def large_answer(services: int = 200, currency: str = "EUR", amount: str = "10.00"
                 ) -> dict[str, Any]:
    entries: dict[str, Any] = {}
    for number in range(services):
        code = f"bench_{currency.lower()}_{number:03d}"
        fields = []
        for position, (key, en, ru, uk, regexp, example) in enumerate(FIELD_KINDS):
            fields.append({
                "key": key, "type": "string", "label": _texts(en, ru, uk),
                "hint": _texts(f"{en} of the recipient", f"{ru} получателя", f"{uk} одержувача"),
                "example": example, "regexp": regexp, "required": position < 3,
                "position": position,
            })
        entries[code] = {
            "code": code, "method": f"method_{number % METHODS}", "currency": currency,
            "fields": fields, "amount_min": 1, "amount_max": 100000, "exchange_rate": 1,
            "amount": amount,
        }
    entries["methods"] = {
        f"method_{m}": {"code": f"method_{m}", "category": "bank", "description": "",
                        "name": _texts(f"Method {m}", f"Метод {m}", f"Метод {m}"),
                        "logo": None, "icon": None, "metadata": None, "position": m,
                        "hide": None}
        for m in range(METHODS)
    }
    return {"data": {"currency": currency, "amount": amount, "test_mode": True,
                     "services": entries}}


def spec_answer() -> dict[str, Any]:
    return json.loads(SPEC_SAMPLE.read_text())
