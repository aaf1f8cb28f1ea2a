"""`GET /payout-invoices`: newest first, cursor pages, list items without `links`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from webapp.sandbox import SandboxServer

AUTH = ("sandbox", "sk_test_sandbox")


def page(sb: SandboxServer, http: requests.Session, query: str = "") -> dict[str, Any]:
    answer = http.get(f"{sb.url}/payout-invoices{query}", auth=AUTH, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_empty_list(sb: SandboxServer, http: requests.Session) -> None:
    assert page(sb, http) == {"meta": {"count": 0, "size": 20, "before": None, "after": None},
                              "links": {"prev": "", "next": ""}, "data": []}


def test_cursors_walk_both_ways(sb: SandboxServer, http: requests.Session,
                                created: Callable[..., dict[str, Any]]) -> None:
    ids = [created(f"ref-list-{n}")["id"] for n in range(5)]
    newest_first = ids[::-1]
    everything = page(sb, http)
    assert [i["id"] for i in everything["data"]] == newest_first
    assert all("links" not in i and "callback_logs" not in i["attributes"]
               for i in everything["data"])
    assert everything["links"] == {"prev": "", "next": ""}

    first = page(sb, http, "?page[size]=2")
    assert [i["id"] for i in first["data"]] == newest_first[:2]
    assert first["meta"] == {"count": 2, "size": 2, "before": newest_first[0],
                             "after": newest_first[1]}
    assert first["links"] == {
        "prev": "", "next": f"/payout-invoices?page[size]=2&page[after]={newest_first[1]}"}

    second = page(sb, http, first["links"]["next"].removeprefix("/payout-invoices"))
    assert [i["id"] for i in second["data"]] == newest_first[2:4]
    third = page(sb, http, second["links"]["next"].removeprefix("/payout-invoices"))
    assert [i["id"] for i in third["data"]] == newest_first[4:]
    assert third["links"]["next"] == ""

    back = page(sb, http, third["links"]["prev"].removeprefix("/payout-invoices"))
    assert [i["id"] for i in back["data"]] == newest_first[2:4]
    top = page(sb, http, f"?page[size]=2&page[before]={newest_first[2]}")
    assert [i["id"] for i in top["data"]] == newest_first[:2]
    assert top["links"]["prev"] == ""


def test_unknown_cursor_is_422(sb: SandboxServer, http: requests.Session) -> None:
    answer = http.get(f"{sb.url}/payout-invoices?page[after]=cpoi_nope", auth=AUTH, timeout=5)
    assert (answer.status_code, answer.json()) == (
        422, {"errors": {"page[after]": "This value is not valid."}})
