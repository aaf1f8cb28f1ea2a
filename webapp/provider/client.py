"""The Paymega payout API client: one method per endpoint of the spec, typed results.

Private calls use HTTP Basic auth (account id, secret key); public ones send the public key.
Reads are retried on outcome-unknown failures; invoice creation and processing never are here:
the caller resolves an unknown outcome by looking the invoice up by its reference_id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import requests

from webapp.provider import parsing
from webapp.provider.errors import Conflict, NotFound
from webapp.provider.http import Transport
from webapp.provider.types import (
    Invoice,
    InvoicePage,
    InvoiceRequest,
    Prerequest,
    ServiceInfo,
)
from webapp.provider.values import OutOfBounds, to_int

MAX_SERVICE_PAGES = 100  # a guard against a provider whose `links.next` never ends
MAX_INVOICE_PAGES = 1_000_000  # the same guard for the invoice list (its cursors)


class PaymegaClient:
    def __init__(
        self,
        base_url: str,
        public_key: str,
        account_id: str,
        secret_key: str,
        *,
        session: requests.Session | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 15.0,
        read_retries: int = 2,
    ) -> None:
        self.public_key = public_key
        self.test_mode = public_key.startswith("pk_test_") or secret_key.startswith("sk_test_")
        self._http = Transport(
            base_url, account_id, secret_key, session=session or requests.Session(),
            timeout=(connect_timeout, read_timeout), read_retries=read_retries,
        )

    def __repr__(self) -> str:
        return f"PaymegaClient({self._http.base_url!r}, test_mode={self.test_mode})"

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], session: requests.Session | None = None
    ) -> PaymegaClient:
        """Built from the app's config (`PAYMEGA_*` settings)."""
        return cls(
            config["PAYMEGA_API_URL"],
            config["PAYMEGA_PUBLIC_KEY"],
            config["PAYMEGA_ACCOUNT_ID"],
            config["PAYMEGA_SECRET_KEY"],
            session=session,
            connect_timeout=float(config.get("PAYMEGA_CONNECT_TIMEOUT") or 3.05),
            read_timeout=float(config.get("PAYMEGA_READ_TIMEOUT") or 15.0),
        )

    # --- public API ---------------------------------------------------------------------

    def prerequest(self, currency: str, amount: Decimal) -> Prerequest:
        """Services that fit `amount` in `currency`. Creates nothing, so it is retried."""
        return self.prerequest_answer(currency, amount)[1]

    def prerequest_answer(self, currency: str, amount: Decimal) -> tuple[Any, Prerequest]:
        """The pre-request's JSON as the provider sent it, and parsed (a cache shared between
        processes keeps the JSON and parses it again on reading)."""
        body = {"currency": currency, "amount": Decimal(amount), "public_key": self.public_key}
        return self._http.call("POST", "/payout-prerequest", body=body, private=False,
                               retry=True,
                               parse=lambda answer: (answer, parsing.parse_prerequest(answer)))

    # --- payout services ----------------------------------------------------------------

    def list_services(self, page_size: int = 20) -> list[ServiceInfo]:
        """Every page of the account's services, following `meta.pages` or `links.next`."""
        services: list[ServiceInfo] = []
        number = 1
        while number <= MAX_SERVICE_PAGES:
            params = {"page[number]": number, "page[size]": page_size}
            answer, page = self._http.call("GET", "/payout-services", params=params, retry=True,
                                           parse=_with_service_list)
            services.extend(page)
            following = _next_page_number(answer, number)
            if following is None or not page:
                break
            number = following
        return services

    def get_service(self, service_id: str) -> ServiceInfo:
        return self._http.call("GET", f"/payout-services/{_segment(service_id)}", retry=True,
                               parse=parsing.parse_one_service)

    # --- invoices -----------------------------------------------------------------------

    def create_invoice(self, request: InvoiceRequest) -> Invoice:
        """Never retried here. On 409 the raised `Conflict` carries the existing invoice in
        `.invoice` when the provider's body holds it."""
        try:
            return self._http.call("POST", "/payout-invoices", body=self._invoice_body(request),
                                   parse=parsing.parse_one_invoice)
        except Conflict as conflict:
            conflict.invoice = _invoice_in(conflict.body)
            raise

    def process_invoice(self, invoice_id: str) -> Invoice:
        """Asks the provider to pay out a created invoice. Never retried. A 409 (already
        processing or final) carries the invoice in `.invoice` when the body holds it."""
        try:
            return self._http.call("POST", f"/payout-invoices/{_segment(invoice_id)}/process",
                                   parse=parsing.parse_one_invoice)
        except Conflict as conflict:
            conflict.invoice = _invoice_in(conflict.body)
            raise

    def get_invoice(self, invoice_id: str, *, public: bool = False) -> Invoice:
        return self._http.call(
            "GET", f"/payout-invoices/{_segment(invoice_id)}", params=self._public_params(public),
            private=not public, retry=True, parse=parsing.parse_one_invoice,
        )

    def find_invoice_by_reference(self, reference_id: str, *, public: bool = False
                                  ) -> Invoice | None:
        """The invoice created with `reference_id`, or None when the provider has none."""
        params = {"filter[reference_id]": reference_id, **self._public_params(public)}
        try:
            return self._http.call(
                "GET", "/payout-invoices", params=params, private=not public, retry=True,
                parse=lambda answer: parsing.pick_by_reference(answer, reference_id),
            )
        except NotFound:
            return None

    def list_invoices(self, *, before: str | None = None, after: str | None = None,
                      size: int = 20) -> InvoicePage:
        """One page, newest first; pass `meta.after`/`meta.before` back to move on."""
        params: dict[str, Any] = {"page[size]": size}
        if before:
            params["page[before]"] = before
        if after:
            params["page[after]"] = after
        return self._http.call("GET", "/payout-invoices", params=params, retry=True,
                               parse=parsing.parse_invoice_page)

    def invoice_pages(self, *, after: str | None = None, size: int = 100
                      ) -> Iterator[InvoicePage]:
        """Every page older than `after` (from the newest without it), one at a time, so a
        caller holds one page in memory; stops at an empty page or when `links.next` ends."""
        for _ in range(MAX_INVOICE_PAGES):
            page = self.list_invoices(after=after, size=size)
            if not page.invoices:
                return
            yield page
            if page.has_next is False or page.after is None or page.after == after:
                return
            after = page.after

    # --- helpers ------------------------------------------------------------------------

    def _public_params(self, public: bool) -> dict[str, str]:
        return {"public_key": self.public_key} if public else {}

    def _invoice_body(self, request: InvoiceRequest) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "service": request.service,
            "currency": request.currency,
            "amount": Decimal(request.amount),
            "reference_id": request.reference_id,
            "test_mode": self.test_mode,
            "fields": dict(request.fields),
        }
        if request.callback_url:
            attributes["callback_url"] = request.callback_url
        if request.description:
            attributes["description"] = request.description
        attributes["options"] = {"auto_process": request.auto_process}
        if request.customer is not None:
            customer = request.customer
            attributes["customer"] = {
                key: value
                for key, value in (
                    ("reference_id", customer.reference_id), ("email", customer.email),
                    ("name", customer.name), ("phone", customer.phone),
                    ("metadata", customer.metadata),
                )
                if value is not None
            }
        if request.metadata:
            attributes["metadata"] = dict(request.metadata)
        return {"data": {"type": "payout-invoice", "attributes": attributes}}


def _segment(value: str) -> str:
    """An id as one URL path segment, whatever characters it holds."""
    return quote(str(value), safe="")


def _with_service_list(answer: Any) -> tuple[Any, list[ServiceInfo]]:
    return answer, parsing.parse_service_list(answer)


def _invoice_in(body: Any) -> Invoice | None:
    if isinstance(body, dict) and "data" in body:
        return parsing.parse_invoice(body["data"])
    return None


def _next_page_number(answer: Any, current: int) -> int | None:
    """The page after `current`: from `meta.pages` when given, else from `links.next`."""
    meta = answer.get("meta") if isinstance(answer, dict) else None
    pages = _page_count(meta.get("pages")) if isinstance(meta, dict) else None
    if pages is not None:
        return current + 1 if current < pages else None
    links = answer.get("links") if isinstance(answer, dict) else None
    following = links.get("next") if isinstance(links, dict) else None
    if not isinstance(following, str) or not following.strip():
        return None
    numbers = parse_qs(urlsplit(following).query).get("page[number]", [])
    wanted = _page_count(numbers[0]) if numbers else None
    return wanted if wanted is not None and wanted > current else current + 1


def _page_count(value: Any) -> int | None:
    """A page number or count; one out of bounds is as good as none."""
    try:
        return to_int(value)
    except OutOfBounds:
        return None
