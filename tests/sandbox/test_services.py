"""`GET /payout-services`: JSON:API pages with meta and links as in the spec."""

from __future__ import annotations

import requests

from webapp.sandbox import SandboxServer
from webapp.sandbox.catalogue_data import SERVICES

AUTH = ("sandbox", "sk_test_sandbox")


def test_default_page_holds_every_service(sb: SandboxServer, http: requests.Session) -> None:
    body = http.get(f"{sb.url}/payout-services", auth=AUTH, timeout=5).json()
    assert body["meta"] == {"total": len(SERVICES), "pages": 1, "page": 1}
    assert body["links"] == {"first": "/payout-services?page[number]=1&page[size]=20",
                             "last": "/payout-services?page[number]=1&page[size]=20"}
    codes = [item["attributes"]["service"] for item in body["data"]]
    assert codes == [s.code for s in SERVICES]
    first = body["data"][0]
    assert first["type"] == "payout-services" and first["id"].startswith("comcpos_")
    assert first["attributes"]["service_currency"] == "USD"
    assert first["relationships"]["payout-method"]["data"] == {
        "type": "payout-methods", "id": "test"}


def test_pages_walk_through_the_catalogue(sb: SandboxServer, http: requests.Session) -> None:
    seen: list[str] = []
    url = f"{sb.url}/payout-services?page[number]=1&page[size]=3"
    pages = 0
    while url:
        body = http.get(url, auth=AUTH, timeout=5).json()
        pages += 1
        assert body["meta"]["page"] == pages
        assert body["meta"]["pages"] == -(-len(SERVICES) // 3)
        assert body["links"]["last"].endswith(f"page[number]={body['meta']['pages']}&page[size]=3")
        seen += [item["id"] for item in body["data"]]
        nxt = body["links"].get("next")
        url = f"{sb.url}{nxt}" if nxt else ""
    assert pages == body["meta"]["pages"]
    assert len(seen) == len(set(seen)) == len(SERVICES)


def test_page_beyond_the_last_is_empty(sb: SandboxServer, http: requests.Session) -> None:
    body = http.get(f"{sb.url}/payout-services?page[number]=9&page[size]=5", auth=AUTH,
                    timeout=5).json()
    assert body["data"] == [] and "next" not in body["links"]


def test_bad_page_size_is_422(sb: SandboxServer, http: requests.Session) -> None:
    answer = http.get(f"{sb.url}/payout-services?page[size]=0", auth=AUTH, timeout=5)
    assert answer.status_code == 422 and "page[size]" in answer.json()["errors"]


def test_one_service_by_id_or_code(sb: SandboxServer, http: requests.Session) -> None:
    listed = http.get(f"{sb.url}/payout-services", auth=AUTH, timeout=5).json()["data"]
    jpy = next(i for i in listed if i["attributes"]["service"] == "bank_transfer_jpy")
    by_id = http.get(f"{sb.url}/payout-services/{jpy['id']}", auth=AUTH, timeout=5)
    assert by_id.status_code == 200 and by_id.json() == {"data": jpy}
    by_code = http.get(f"{sb.url}/payout-services/bank_transfer_jpy", auth=AUTH, timeout=5)
    assert by_code.json()["data"]["id"] == jpy["id"]
    assert jpy["links"]["self"] == f"/payout-services/{jpy['id']}"


def test_unknown_service_is_404(sb: SandboxServer, http: requests.Session) -> None:
    answer = http.get(f"{sb.url}/payout-services/comcpos_nope", auth=AUTH, timeout=5)
    assert answer.status_code == 404
    assert answer.json() == {"errors": [{"status": "Not Found", "code": "404"}]}
