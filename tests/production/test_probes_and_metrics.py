"""/healthz, /readyz and /metrics in one process: cheap, unauthenticated probes that reveal
nothing, and metrics behind a token or an admin/auditor session."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import app_settings
from webapp import create_app
from webapp.callbacks.signature import sign
from webapp.config import ConfigError
from webapp.models import Role, User
from webapp.observability.metrics import endpoint_template
from webapp.sandbox import SandboxServer

TOKEN = "metrics-token-for-tests-0123456789"


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def metrics_token(app: Flask) -> str:
    previous = app.config.get("METRICS_TOKEN")
    app.config["METRICS_TOKEN"] = TOKEN
    yield TOKEN
    app.config["METRICS_TOKEN"] = previous


def scrape(client: FlaskClient) -> str:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return answer.get_data(as_text=True)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "")
    found = re.search("^" + pattern + r" ([0-9.e+-]+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_healthz_answers_without_the_database(tmp_path, build_app) -> None:
    broken = build_app({"APP_MODE": "testing",
                         "DATABASE_URL": f"sqlite:///{tmp_path}/no/db.sqlite"})
    answer = broken.test_client().get("/healthz")
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "ok")


def test_readyz_is_ready_with_database_and_provider(client: FlaskClient) -> None:
    answer = client.get("/readyz")
    assert (answer.status_code, answer.get_json()) == (200, {"status": "ready"})
    assert "Set-Cookie" not in answer.headers


@pytest.mark.parametrize(("broken", "code", "status"), [
    ("database", 503, "not ready"),  # nothing can be served: out of rotation
    ("redis", 200, "degraded"),  # limits in memory, jobs left to the sweeps: still serve
    ("provider", 200, "degraded"),  # shared by every instance: pages and decisions still work
])
def test_readyz_tells_degraded_from_not_ready_and_nothing_more(
        broken: str, code: int, status: str, tmp_path, database_url: str,
        sandbox: SandboxServer, build_app, caplog: pytest.LogCaptureFixture) -> None:
    settings = app_settings(database_url, sandbox.url)
    if broken == "database":
        settings["DATABASE_URL"] = f"sqlite:///{tmp_path}/missing/dir/db.sqlite"
    elif broken == "redis":
        settings["REDIS_URL"] = closed_port_url().replace("http", "redis") + "/0"
        settings["RATELIMIT_STORAGE_URI"] = "memory://"
    else:
        settings["PAYMEGA_API_URL"] = closed_port_url()
    answer = build_app(settings).test_client().get("/readyz")
    assert answer.status_code == code
    assert answer.get_json() == {"status": status}  # no hint for outsiders
    assert any(broken in r.getMessage() for r in caplog.records)  # the details are logged


def test_metrics_hide_from_anonymous_and_refuse_a_wrong_token(client: FlaskClient,
                                                               metrics_token: str) -> None:
    assert client.get("/metrics").status_code == 404
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401 and "WWW-Authenticate" in wrong.headers


def test_metrics_refuse_every_token_when_none_is_configured(client: FlaskClient) -> None:
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401


def test_metrics_for_admins_and_auditors_only(login_as: Callable[..., FlaskClient]) -> None:
    assert login_as(Role.OPERATOR).get("/metrics").status_code == 404
    assert login_as(Role.MANAGER).get("/metrics").status_code == 404
    assert login_as(Role.AUDITOR).get("/metrics").status_code == 200


def test_production_requires_a_metrics_token() -> None:  # fails before any engine exists
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        create_app({"APP_MODE": "production", "SECRET_KEY": "x" * 40,
                    "DATABASE_URL": "sqlite://", "PAYMEGA_API_URL": "https://api.example.test",
                    "PAYMEGA_PUBLIC_KEY": "pk", "PAYMEGA_ACCOUNT_ID": "a",
                    "PAYMEGA_SECRET_KEY": "sk"})


def test_payouts_by_status_and_queue_depth_are_read_at_scrape_time(
        client: FlaskClient, metrics_token: str, make_user: Callable[..., User],
        make_payout: Callable[..., object]) -> None:
    operator = make_user("olga", Role.OPERATOR)
    before = sample(scrape(client), "payouts_desk_payouts", status="awaiting_approval")
    make_payout(operator)
    make_payout(operator, amount="12.00")
    text = scrape(client)
    assert sample(text, "payouts_desk_payouts", status="awaiting_approval") == before + 2
    assert re.search(r'^payouts_desk_payouts\{status="processed"\} 0\.0$', text, re.M)
    assert re.search(r"^payouts_desk_queue_pending [0-9.]+$", text, re.M)


def test_provider_latency_and_errors_by_endpoint(client: FlaskClient, metrics_token: str,
                                                 make_user: Callable[..., User],
                                                 make_payout: Callable[..., object],
                                                 sandbox: SandboxServer) -> None:
    from webapp.payout_core.gateway import provider_client
    from webapp.provider.errors import ProviderError

    name = "payouts_desk_provider_request_duration_seconds_count"
    before = scrape(client)
    make_payout(make_user("olga", Role.OPERATOR))
    sandbox.state.inject("get", "500_before", 1)
    invoice_id = sandbox.state.newest_first()[0].id
    provider_client().get_invoice(invoice_id)  # a read: one 500, then the retry succeeds
    sandbox.state.inject("get", "401", 1)
    with pytest.raises(ProviderError):
        provider_client().get_invoice(invoice_id)
    text = scrape(client)
    for endpoint, method, calls in (("/payout-prerequest", "POST", 1),
                                    ("/payout-invoices", "POST", 1),
                                    ("/payout-invoices/{id}", "GET", 3)):
        delta = (sample(text, name, endpoint=endpoint, method=method)
                 - sample(before, name, endpoint=endpoint, method=method))
        assert delta == calls, (endpoint, method)
    errors = "payouts_desk_provider_errors_total"

    def error_kinds(scraped: str) -> dict[str, float]:
        found = re.findall(r'^' + errors + r'\{endpoint="/payout-invoices/\{id\}",'
                           r'kind="(\w+)"\} ([0-9.]+)$', scraped, re.M)
        return {kind: float(value) for kind, value in found}

    # Counters live as long as the process: other tests count too, so compare deltas.
    after, earlier = error_kinds(text), error_kinds(before)
    deltas = {k: v - earlier.get(k, 0.0) for k, v in after.items() if v != earlier.get(k, 0.0)}
    assert deltas == {"ServerError": 1.0, "Unauthorized": 1.0}
    assert invoice_id not in text  # ids never become label values


def test_callback_outcomes_are_counted(client: FlaskClient, metrics_token: str,
                                       make_user: Callable[..., User],
                                       make_payout: Callable[..., object],
                                       sandbox: SandboxServer) -> None:
    import requests

    payout = make_payout(make_user("olga", Role.OPERATOR))
    body = requests.get(f"{sandbox.url}/payout-invoices/{payout.provider_invoice_id}",
                        auth=("sandbox", "sk_test_sandbox"), timeout=5).content
    name = "payouts_desk_callbacks_total"
    before = scrape(client)
    headers = {"Content-Type": "application/json"}
    client.post("/callbacks/paymega", data=body, csrf=False,
                headers={**headers, "X-Signature": sign(body, "sk_test_sandbox")})
    client.post("/callbacks/paymega", data=body, csrf=False,
                headers={**headers, "X-Signature": "forged"})
    text = scrape(client)
    for outcome in ("received", "bad_signature"):
        assert sample(text, name, outcome=outcome) - sample(before, name, outcome=outcome) == 1


@pytest.mark.parametrize(("path", "template"), [
    ("/payout-prerequest", "/payout-prerequest"),
    ("/payout-invoices", "/payout-invoices"),
    ("/payout-invoices/inv_9f8e7d", "/payout-invoices/{id}"),
    ("/payout-invoices/42/process", "/payout-invoices/{id}/process"),
    ("/payout-services/card%2Fuah", "/payout-services/{id}"),
])
def test_endpoint_templates_keep_label_values_few(path: str, template: str) -> None:
    assert endpoint_template(path) == template
