"""What the new-payout page shows, and the two look-ups its steps share (the provider's
pre-request and the chosen service in it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import get_locale

from webapp.models import Payout
from webapp.new_payout.forms import PayoutFormBase, StartForm
from webapp.new_payout.prefill import Prefill
from webapp.new_payout.service_list import ServiceList, build_service_list, rate_text
from webapp.payout_core.money import canonical_text
from webapp.payout_core.prerequest import (
    MethodGroup,
    ServiceChoice,
    fetch_prerequest,
    group_services,
)
from webapp.payout_core.secrets import mask_value
from webapp.provider.errors import ProviderError
from webapp.provider.types import Prerequest

log = logging.getLogger(__name__)


@dataclass
class NewPayoutPage:
    """Everything the page and its fragments show."""

    start: StartForm
    searched: bool = False  # currency and amount were given
    posted: bool = False  # a payout form was submitted
    query: str = ""  # the service search
    amount: Decimal | None = None
    groups: list[MethodGroup] | None = None
    services: ServiceList | None = None
    provider_error: bool = False
    chosen: ServiceChoice | None = None
    service_missing: bool = False
    form: PayoutFormBase | None = None
    failed: bool = False  # a submit with errors: the summary is shown and focused
    review: bool = False
    duplicates: list[Payout] = field(default_factory=list)
    retry_values: list[tuple[str, str]] | None = None  # a post to repeat after a failure
    retry_dropped: bool = False  # card numbers or codes left out of `retry_values`
    prefill: Prefill | None = None  # values from a saved recipient or a payout being copied
    # duplicate payout id → the saved recipient it paid (the warning links their history)
    duplicate_recipients: dict[int, int] = field(default_factory=dict)

    @property
    def amount_text(self) -> str:
        return "" if self.amount is None else canonical_text(self.amount)

    def service_name(self) -> str:
        """The chosen service's human name (method · currency), else its code."""
        if self.chosen is None:
            return ""
        code = self.chosen.service.code
        for group in self.groups or ():
            if any(c.service.code == code for c in group.choices):
                return f"{group.name} · {self.chosen.service.currency}"
        return code

    def rate_text(self, rate: Decimal) -> str:
        return rate_text(rate)

    def review_rows(self) -> list[tuple[str, str, bool]]:
        """(label, the value as it will be sent (cards masked), whether we tidied it)."""
        assert self.form is not None
        rows = []
        for spec in self.form.recipient_fields:
            bound = self.form[spec.name]
            if not bound.data:
                continue
            typed = (bound.raw_data or [""])[0].strip()
            rows.append((spec.label, mask_value(spec.key, bound.data), typed != bound.data))
        return rows


def language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def lookup(page: NewPayoutPage, amount: Decimal) -> Prerequest | None:
    try:
        return fetch_prerequest(page.start.currency.data, amount)
    except ProviderError as exc:
        log.warning("Payout pre-request failed (%s): %s", type(exc).__name__, exc.message)
        page.provider_error = True
        return None


MAX_REMEMBERED_METHODS = 500


def remembered_method_names(answer: Prerequest, lang: str) -> dict[str, str]:
    """Method names in `lang` from this answer and earlier ones: the pre-request names only the
    methods it lists, and the services it leaves out still deserve a name."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    seen: dict[tuple[str, str], str] = app.extensions.setdefault("payout_method_names", {})
    for code, method in answer.methods.items():
        if len(seen) < MAX_REMEMBERED_METHODS or (code, lang) in seen:
            seen[(code, lang)] = method.name_for(lang)
    return {code: name for (code, name_lang), name in seen.items() if name_lang == lang}


def choose(page: NewPayoutPage, answer: Prerequest, code: str | None,
           check_amount: Decimal | None = None) -> None:
    """Fill the list and note the service `code` names as chosen (if the answer has it).
    With `check_amount`, `answer` is an earlier amount's: only the chosen service is taken from
    it, with its limits checked against `check_amount`."""
    assert page.amount is not None
    groups = group_services(answer, check_amount or page.amount, language())
    if check_amount is None:
        page.groups = groups
        names = remembered_method_names(answer, language())
        page.services = build_service_list(groups, names, page.query, code)
    if not code:
        return
    page.chosen = next((c for g in groups for c in g.choices if c.service.code == code), None)
