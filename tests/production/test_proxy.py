"""Behind a reverse proxy: PROXY_HOPS says how many X-Forwarded-* hops to believe, no more."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request

from webapp.config import Config, ConfigError


def app_with_hops(build_app: Callable[[dict[str, Any]], Flask], tmp_path: Path, hops: int
                  ) -> Flask:
    app = build_app({"APP_MODE": "testing", "PROXY_HOPS": hops,
                      "DATABASE_URL": f"sqlite:///{tmp_path}/proxy.sqlite"})

    @app.get("/_seen")
    def seen() -> dict[str, str]:
        return {"addr": str(request.remote_addr), "scheme": request.scheme,
                "host": request.host}

    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "desk.example.test"}


def test_one_hop_trusts_the_last_proxy_only(build_app, tmp_path: Path) -> None:
    client = app_with_hops(build_app, tmp_path, 1).test_client()
    seen = client.get("/_seen", headers=FORWARDED).get_json()
    assert seen == {"addr": "198.51.100.7", "scheme": "https", "host": "desk.example.test"}


def test_no_hops_ignores_forwarded_headers(build_app, tmp_path: Path) -> None:
    client = app_with_hops(build_app, tmp_path, 0).test_client()
    seen = client.get("/_seen", headers=FORWARDED).get_json()
    assert seen == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}


def test_proxy_hops_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROXY_HOPS", "2")
    assert Config.from_env().PROXY_HOPS == 2
    monkeypatch.setenv("PROXY_HOPS", "two")
    with pytest.raises(ConfigError, match="PROXY_HOPS"):
        Config.from_env()
