"""The background worker: `python -m webapp.worker` runs the Huey consumer with the polling
backstop beside the web app. Logs like the web app: JSON in production, with request ids.

SIGTERM (systemd's default) stops it gracefully: no new jobs, a running batch finishes its
current row and hands the batch back (lease released) so the next worker resumes it at once;
after SHUTDOWN_SECONDS anything still running is interrupted. SIGINT stops at once.
"""

from __future__ import annotations

import os

from webapp import create_app, queue, shutdown
from webapp.observability.logging import configure_logging

# Longer than one batch row can take (six provider calls at their timeouts); the systemd
# unit's TimeoutStopSec must be above it.
SHUTDOWN_SECONDS = 120


def main() -> None:
    # The worker serves no /metrics; it must not write into the web processes' metric files.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    app = create_app()  # settings from the environment, the queue configured from them
    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"], force=True)
    queue.bind_worker_app(app)
    consumer = queue.queued.create_consumer(
        workers=2, worker_type="thread", periodic=True, graceful_signal="TERM",
        shutdown_timeout=SHUTDOWN_SECONDS)
    shutdown.watch(consumer.stop_flag)
    consumer.run()


if __name__ == "__main__":
    main()
