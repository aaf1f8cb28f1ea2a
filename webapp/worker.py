"""The background worker: `python -m webapp.worker` runs the Huey consumer with the polling
backstop beside the web app. Logs like the web app: JSON in production, with request ids."""

from __future__ import annotations

import os

from webapp.config import Config
from webapp.observability.logging import configure_logging, register_app_secrets
from webapp.tasks import huey


def main() -> None:
    # The worker serves no /metrics; it must not write into the web processes' metric files.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    settings = Config.from_env().resolve()
    register_app_secrets(settings)
    configure_logging(settings["LOG_FORMAT"], settings["LOG_LEVEL"], force=True)
    consumer = huey.create_consumer(workers=2, worker_type="thread", periodic=True)
    consumer.run()


if __name__ == "__main__":
    main()
