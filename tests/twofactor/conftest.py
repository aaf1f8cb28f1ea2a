"""Fixtures of the two-factor tests."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_client


@pytest.fixture
def browser(app: Flask) -> FlaskClient:
    """A fresh CSRF-aware browser, not signed in."""
    return csrf_client(app)
