"""The provider client for the current app: one pooled HTTP session per app."""

from __future__ import annotations

import requests
from flask import current_app

from webapp.provider.client import PaymegaClient


def provider_client() -> PaymegaClient:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    session = app.extensions.get("paymega_session")
    if session is None:
        session = app.extensions.setdefault("paymega_session", requests.Session())
    return PaymegaClient.from_config(app.config, session=session)
