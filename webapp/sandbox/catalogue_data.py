"""The sandbox's own services and payout methods. Written for this project: each service shows
one thing a client must survive (unanchored patterns, `weight`, missing translations, no fields,
0 or 8 decimals, several required fields)."""

from __future__ import annotations

from decimal import Decimal as D

from webapp.sandbox.catalogue import Field, Method, Service, texts

_DIGITS_15 = r"^\d{1,15}$"
_WORDS_64 = r"^[A-Z\-\sa-z]{2,64}$"
_NAME = r"^[A-Za-z][A-Za-z .'\-]{1,69}$"

TEST_USD = Service(
    code="test_usd", method="test", currency="USD", amount_min=D("0.01"), amount_max=D(9999999),
    fields=(
        Field("account", texts("Account", "Аккаунт", "Акаунт"),
              texts("Account", "Аккаунт", "Акаунт"), _DIGITS_15, required=True),
        Field("test_details_success_rate",
              texts("Success rate (%)", "Вероятность успеха (%)", "Імовірність успіху (%)"),
              texts("Success rate (%)", "Вероятность успеха (%)", "Імовірність успіху (%)"),
              _DIGITS_15),
        Field("test_details_payout_status",
              texts("Expected status", "Ожидаемый статус", "Очікуваний статус"),
              texts("Expected status", "Ожидаемый статус", "Очікуваний статус"), _WORDS_64),
        Field("test_details_payout_resolution",
              texts("Expected resolution", "Ожидаемый resolution", "Очікуваний resolution"),
              texts("Expected resolution", "Ожидаемый resolution", "Очікуваний resolution"),
              _WORDS_64),
    ),
)

CARD_UAH = Service(
    code="card_uah", method="payment_card", currency="UAH", amount_min=D("10.00"),
    amount_max=D("150000.00"), fee_rate=D("1.5"),
    fields=(
        Field("card_number", texts("Card number", "Номер карты", "Номер картки"),
              texts("16 digits, no spaces", "16 цифр без пробелов", "16 цифр без пробілів"),
              r"^\d{16}$", required=True, example="4111111111111111"),
    ),
)

IBAN_EUR = Service(
    code="iban_eur", method="bank_transfer", currency="EUR", amount_min=D("1.00"),
    amount_max=D("100000.00"), fee_fix=D("0.50"),
    fields=(
        Field("iban", texts("IBAN", "IBAN", "IBAN"),
              texts("Country code, check digits, account", "Код страны, контрольные цифры, счёт",
                    "Код країни, контрольні цифри, рахунок"),
              r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$", required=True, example="DE89370400440532013000"),
        Field("beneficiary_name", texts("Beneficiary name", "Имя получателя", "Ім'я отримувача"),
              texts("As in the bank account", "Как в банковском счёте",
                    "Як у банківському рахунку"),
              _NAME, required=True),
        Field("bic", texts("BIC / SWIFT", "BIC / SWIFT", "BIC / SWIFT"),
              texts("8 or 11 characters", "8 или 11 символов", "8 або 11 символів"),
              r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"),
    ),
)

BITCOIN_BTC = Service(
    code="bitcoin_btc", method="bitcoin", currency="BTC", amount_min=D("0.00010000"),
    amount_max=D("5.00000000"),
    fields=(
        Field("wallet_id", texts("Bitcoin wallet", "Bitcoin кошелек", "Bitcoin гаманець"),
              texts("Enter Bitcoin wallet", "Введите Bitcoin кошелек", "Введіть Bitcoin гаманець"),
              r"^(bc1|[13])[a-km-zA-HJ-NP-Z1-9]{25,62}$", required=True),
    ),
)

# `weight` instead of `position`; listed out of order with a tie (phone/full_name at 20).
SBP_RUB = Service(
    code="sbp_rub", method="sbp", currency="RUB", amount_min=D("100.00"),
    amount_max=D("600000.00"), order_key="weight",
    fields=(
        Field("phone", texts("Phone", "Телефон", "Телефон"),
              texts("+7 and 10 digits", "+7 и 10 цифр", "+7 і 10 цифр"),
              r"^\+7\d{10}$", required=True, order=20),
        Field("bank_id", texts("Bank BIC", "БИК банка", "БІК банку"), {}, r"^04\d{7}$",
              required=True, order=10),
        Field("full_name", texts("Recipient", "Получатель", "Отримувач"), {}, r"^.{2,100}$",
              required=True, order=20),
        Field("comment", texts("Comment", "Комментарий", "Коментар"), {}, r"^.{0,140}$",
              order=5),
    ),
)

# An unanchored pattern: preg_match accepts "ab12345".
EWALLET_USD = Service(
    code="ewallet_usd", method="ewallet", currency="USD", amount_min=D("1.00"),
    amount_max=D("5000.00"),
    fields=(
        Field("account", texts("Wallet number", "Номер кошелька", "Номер гаманця"),
              texts("At least 5 digits", "Не менее 5 цифр", "Не менше 5 цифр"),
              r"[0-9]{5,100}", required=True),
    ),
)

# Labels lacking languages: the phone label has no Ukrainian text, the hint only Russian.
MOBILE_KZT = Service(
    code="mobile_kzt", method="mobile", currency="KZT", amount_min=D("500.00"),
    amount_max=D("250000.00"),
    fields=(
        Field("phone", texts("Phone number", "Номер телефона"), {"ru": "Формат +77XXXXXXXXX"},
              r"^\+77\d{9}$", required=True),
        Field("operator", {"ru": "Оператор"}, {}, r"^(beeline|kcell|tele2|altel)$"),
    ),
)

# Several required fields.
SWIFT_GBP = Service(
    code="swift_gbp", method="swift", currency="GBP", amount_min=D("50.00"),
    amount_max=D("250000.00"), fee_fix=D("15.00"),
    fields=(
        Field("account_number", texts("Account number", "Номер счёта", "Номер рахунку"), {},
              r"^[A-Z0-9]{6,34}$", required=True, order=1),
        Field("beneficiary_name", texts("Beneficiary name", "Имя получателя", "Ім'я отримувача"),
              {}, _NAME, required=True, order=2),
        Field("beneficiary_address",
              texts("Beneficiary address", "Адрес получателя", "Адреса отримувача"), {},
              r"^.{5,140}$", required=True, order=3),
        Field("bank_swift", texts("Bank SWIFT", "SWIFT банка", "SWIFT банку"), {},
              r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$", required=True, order=4),
        Field("bank_name", texts("Bank name", "Название банка", "Назва банку"), {},
              r"^.{2,100}$", required=True, order=5),
        Field("purpose", texts("Payment purpose", "Назначение платежа", "Призначення платежу"),
              {}, r"^.{0,140}$", order=6),
    ),
)

# No fields at all.
VOUCHER_EUR = Service(
    code="voucher_eur", method="voucher", currency="EUR", amount_min=D("5.00"),
    amount_max=D("1000.00"),
)

# Zero decimals.
BANK_TRANSFER_JPY = Service(
    code="bank_transfer_jpy", method="bank_transfer", currency="JPY", amount_min=D(100),
    amount_max=D(10000000),
    fields=(
        Field("bank_code", texts("Bank code", "Код банка", "Код банку"), {}, r"^\d{4}$",
              required=True),
        Field("branch_code", texts("Branch code", "Код отделения", "Код відділення"), {},
              r"^\d{3}$", required=True),
        Field("account_number", texts("Account number", "Номер счёта", "Номер рахунку"), {},
              r"^\d{7}$", required=True),
    ),
)

SERVICES: tuple[Service, ...] = (
    TEST_USD, CARD_UAH, IBAN_EUR, BITCOIN_BTC, SBP_RUB, EWALLET_USD, MOBILE_KZT, SWIFT_GBP,
    VOUCHER_EUR, BANK_TRANSFER_JPY,
)

_ICONS = "https://static.sandbox.invalid/payout_methods"

METHODS: dict[str, Method] = {
    m.code: m
    for m in (
        Method("test", texts("Test", "Test", "Test"), "alternative"),
        Method("payment_card", texts("Bank card", "Банковская карта", "Банківська картка"),
               "bank_card"),
        Method("bank_transfer", texts("Bank transfer", "Банковский перевод", "Банківський переказ"),
               "bank_transfer"),
        Method("bitcoin", "Bitcoin", "alternative"),
        Method("sbp", texts("Faster Payments System", "СБП", "СШП"), "bank_transfer"),
        Method("ewallet", "E-wallet", "digital_wallet"),
        Method("mobile", texts("Mobile top-up", "Пополнение телефона"), "mobile"),
        Method("swift", "SWIFT", "bank_transfer"),
        Method("voucher", texts("Voucher", "Ваучер", "Ваучер"), "voucher"),
    )
}

ACCOUNT = {
    "name": "Payouts desk sandbox",
    "description": "built-in provider sandbox for demos and tests",
    "icon": f"{_ICONS}/sandbox/icon.svg",
    "website": "https://sandbox.invalid",
}

ACCOUNT_CURRENCY = "USD"


def service_by_code(code: object) -> Service | None:
    return next((s for s in SERVICES if s.code == code), None)


def method_icons(code: str) -> dict[str, str]:
    return {"logo": f"{_ICONS}/{code}/logo.png", "icon": f"{_ICONS}/{code}/icon.svg"}
