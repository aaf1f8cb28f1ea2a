"""What a re-rendered new-payout form may send back to the browser: never a full card number
or security code. After a failed submit the page comes back with the operator's entries, and
a page is easily kept (history, cache, a shared screen): sensitive fields are emptied (typed
again), card numbers in free text are masked, and the answer is marked `no-store`."""

from __future__ import annotations

from werkzeug.wrappers import Response

from webapp.lazy_text import _l
from webapp.observability.card_numbers import has_card, mask_cards
from webapp.payout_core.secrets import SENSITIVE_KEY

AGAIN = _l("Card numbers and security codes are not kept: type them again.")
# Our own free-text fields: masked in place rather than emptied.
FREE_TEXT = ("customer_name", "customer_email", "customer_phone", "description",
             "customer_reference_id")


def scrub_form(form: object) -> bool:
    """Empty sensitive recipient inputs and mask card numbers elsewhere; True if any input was
    emptied (the operator is then told to type it again)."""
    emptied = False
    for spec in getattr(form, "recipient_fields", ()):
        field = form[spec.name]  # type: ignore[index]
        value = field.data or ""
        if value and (SENSITIVE_KEY.search(spec.key) or has_card(value)):
            field.data = ""
            field.raw_data = []
            emptied = True
    for name in FREE_TEXT:
        field = getattr(form, name, None)
        if field is not None and isinstance(field.data, str) and has_card(field.data):
            field.data = mask_cards(field.data)
            field.raw_data = [field.data]
    if emptied:
        form.form_errors.append(AGAIN)  # type: ignore[attr-defined]
    return emptied


def scrub_pairs(pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], bool]:
    """Form pairs to post again, without sensitive ones; (kept, whether any were left out)."""
    kept = [(name, value) for name, value in pairs
            if not (SENSITIVE_KEY.search(name) or has_card(value))]
    return kept, len(kept) != len(pairs)


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
