"""The provider's HTTP session takes its proxy and CA bundle from the environment once, when it
is made, not on every call (requests otherwise walks the environment per request)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from flask import Flask

from webapp.payout_core.gateway import provider_client, provider_session
from webapp.sandbox import SandboxServer


def test_the_proxy_and_bundle_of_the_environment_are_kept(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path) -> None:
    bundle = tmp_path / "ca.pem"
    monkeypatch.setenv("HTTPS_PROXY", "http://egress.example.test:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example.test")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    session = provider_session("https://api.paymega.example/")
    assert session.proxies["https"] == "http://egress.example.test:3128"
    assert session.verify == str(bundle)
    assert session.trust_env is False
    assert provider_session("https://internal.example.test/").proxies == {}


def test_calls_do_not_read_the_environment(app: Flask, sandbox: SandboxServer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    app.extensions.pop("paymega_session", None)
    with app.app_context():
        client = provider_client()

        def refuse(*_args: object, **_kwargs: object) -> dict[str, str]:
            raise AssertionError("the environment was read for a provider call")

        monkeypatch.setattr(requests.sessions, "get_environ_proxies", refuse)
        assert client.prerequest("USD", Decimal("10.00")) is not None
