"""The background worker: `python -m webapp.worker` runs the Huey consumer with the polling
backstop beside the web app."""

from __future__ import annotations

import logging

from webapp.tasks import huey


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    consumer = huey.create_consumer(workers=2, worker_type="thread", periodic=True)
    consumer.run()


if __name__ == "__main__":
    main()
