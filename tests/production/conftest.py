"""Apps built by a test with their own settings, their database connections closed after it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from webapp import create_app
from webapp.extensions import db


@pytest.fixture
def build_app() -> Iterator[Callable[[dict[str, Any]], Flask]]:
    built: list[Flask] = []

    def build(settings: dict[str, Any]) -> Flask:
        app = create_app(settings)
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
