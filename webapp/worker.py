"""The background worker: `python -m webapp.worker` runs the Huey consumer with the polling
backstop beside the web app. Logs like the web app: JSON in production, with request ids."""

from __future__ import annotations

import os

from webapp import create_app, queue
from webapp.observability.logging import configure_logging


def main() -> None:
    # The worker serves no /metrics; it must not write into the web processes' metric files.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    app = create_app()  # settings from the environment, the queue configured from them
    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"], force=True)
    queue.bind_worker_app(app)
    consumer = queue.queued.create_consumer(workers=2, worker_type="thread", periodic=True)
    consumer.run()


if __name__ == "__main__":
    main()
