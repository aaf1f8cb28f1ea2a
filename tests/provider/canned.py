"""A requests transport adapter that answers from canned bodies, so the client is exercised
end to end (session, auth, timeouts, JSON) against the spec's own samples, without a network."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

SPEC = Path(__file__).parent.parent / "fixtures" / "spec"
BASE_URL = "https://paymega.test/api"
PUBLIC_KEY = "pk_test_public_abc"
ACCOUNT_ID = "acc_42"
SECRET_KEY = "sk_test_very_secret_value_123"


def spec_text(name: str) -> str:
    return (SPEC / f"{name}.json").read_text(encoding="utf-8")


def spec_json(name: str) -> Any:
    return json.loads(spec_text(name))


@dataclass
class Canned:
    """One prepared answer: a status and body, or an exception to raise instead."""

    status: int = 200
    body: str | bytes | None = None
    raises: Exception | None = None


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: CaseInsensitiveDict[str]
    body: bytes | None
    timeout: Any

    def json(self) -> Any:
        assert self.body is not None
        return json.loads(self.body)


@dataclass
class CannedAdapter(BaseAdapter):
    """Answers (method, path) from a queue; the last answer of a queue repeats."""

    routes: dict[tuple[str, str], list[Canned | Callable[[Seen], Canned]]] = field(
        default_factory=dict
    )
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def add(self, method: str, path: str, *answers: Canned | Callable[[Seen], Canned]) -> None:
        self.routes.setdefault((method, path), []).extend(answers)

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        parts = urlsplit(request.url or "")
        body = request.body.encode() if isinstance(request.body, str) else request.body
        seen = Seen(request.method or "", parts.path, parse_qs(parts.query),
                    CaseInsensitiveDict(request.headers), body, timeout)
        self.seen.append(seen)
        queue = self.routes.get((seen.method, seen.path))
        if not queue:
            raise AssertionError(f"unexpected request {seen.method} {seen.path}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        canned = answer(seen) if callable(answer) else answer
        if canned.raises is not None:
            raise canned.raises
        response = requests.Response()
        response.status_code = canned.status
        response.reason = HTTPStatus(canned.status).phrase
        response._content = (
            canned.body.encode() if isinstance(canned.body, str) else canned.body or b""
        )
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass
