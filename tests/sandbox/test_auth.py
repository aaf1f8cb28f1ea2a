"""Every API refuses wrong or missing credentials with the spec's 401 body."""

from __future__ import annotations

import pytest
import requests

from webapp.sandbox import SandboxServer

UNAUTHORIZED = {"errors": [{"status": "Unauthorized", "code": "401"}]}
WRONG = ("sandbox", "sk_test_wrong")


@pytest.mark.parametrize("public_key", [None, "", "pk_test_wrong", "sk_test_sandbox"])
def test_prerequest_needs_the_public_key(sb: SandboxServer, http: requests.Session,
                                         public_key: str | None) -> None:
    body = {"currency": "USD", "amount": 10, "public_key": public_key}
    answer = http.post(f"{sb.url}/payout-prerequest", json=body, timeout=5)
    assert answer.status_code == 401
    assert answer.json() == UNAUTHORIZED


@pytest.mark.parametrize("auth", [None, WRONG, ("other", "sk_test_sandbox")])
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/payout-services"),
    ("GET", "/payout-services/test_usd"),
    ("POST", "/payout-invoices"),
    ("POST", "/payout-invoices/cpoi_x/process"),
    ("GET", "/payout-invoices/cpoi_x"),
    ("GET", "/payout-invoices?filter[reference_id]=r"),
    ("GET", "/payout-invoices"),
])
def test_private_api_needs_basic_auth(sb: SandboxServer, http: requests.Session, method: str,
                                      path: str, auth: tuple[str, str] | None) -> None:
    answer = http.request(method, sb.url + path, auth=auth, json={}, timeout=5)
    assert answer.status_code == 401
    assert answer.json() == UNAUTHORIZED
    assert sb.state.stats()["invoices"] == 0


@pytest.mark.parametrize("path", ["/payout-invoices/cpoi_x",
                                  "/payout-invoices?filter[reference_id]=r"])
def test_public_reads_refuse_a_wrong_public_key(sb: SandboxServer, http: requests.Session,
                                                path: str) -> None:
    sep = "&" if "?" in path else "?"
    answer = http.get(f"{sb.url}{path}{sep}public_key=pk_test_wrong", timeout=5)
    assert answer.status_code == 401
    assert answer.json() == UNAUTHORIZED


def test_the_public_key_does_not_open_the_private_list(sb: SandboxServer,
                                                       http: requests.Session) -> None:
    answer = http.get(f"{sb.url}/payout-invoices?public_key=pk_test_sandbox", timeout=5)
    assert answer.status_code == 401


def test_unknown_route_and_method_use_the_spec_bodies(sb: SandboxServer,
                                                      http: requests.Session) -> None:
    missing = http.get(f"{sb.url}/nothing-here", timeout=5)
    assert (missing.status_code, missing.json()) == (
        404, {"errors": [{"status": "Not Found", "code": "404"}]})
    wrong_method = http.delete(f"{sb.url}/payout-invoices", timeout=5)
    assert (wrong_method.status_code, wrong_method.json()) == (
        405, {"errors": [{"status": "Method Not Allowed", "code": "405"}]})
