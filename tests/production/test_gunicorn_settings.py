"""gunicorn.conf.py's hooks, run as gunicorn runs them: once a worker has loaded the app, its
long-lived objects are frozen out of the garbage collector's scans."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_loaded_worker_freezes_its_startup_objects() -> None:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0
    try:
        settings["post_worker_init"](object())
        assert gc.get_freeze_count() > 10_000  # the modules and app loaded so far
    finally:
        gc.unfreeze()
