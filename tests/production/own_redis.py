"""A Redis server of the test's own (never the machine's shared one), to stop and start while
the desk runs: the outage and chaos tests take Redis away on purpose."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import redis

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
PORTS = range(6390, 6480)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for a Redis of our own in 6390-6479")


class OwnRedis:
    def __init__(self) -> None:
        self.port = _free_port()
        self.workdir = tempfile.mkdtemp(prefix="desk-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.workdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Gone at once, as after a crash: SIGKILL, and wait for the port to close."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(port=self.port, db=db, socket_connect_timeout=1)


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        with suppress(OSError):
            shutil.rmtree(server.workdir)


def queue_on(server: OwnRedis, app: Any, monkeypatch: Any) -> None:
    """Jobs of `app` queued (not run inline, as tests otherwise do) on `server`, as the
    worker's would be; put back as they were after the test."""
    from webapp import queue

    monkeypatch.setitem(app.config, "TASKS_IMMEDIATE", False)
    monkeypatch.setattr(queue.queued, "_open", getattr(queue.queued, "_open", None))
    monkeypatch.setattr(queue.queued, "_storage", getattr(queue.queued, "_storage", None))
    queue.queued.configure(server.url(1), None)
