"""Import Huey without the database drivers it has no use for here.

`huey.storage` imports the Redis and PostgreSQL client libraries whenever they are installed,
for storages this desk may not use. In a SQLite deployment that was 15 MB in every web worker
(psycopg ~9 MB, redis ~6 MB; `python -m bench --only throughput`, item 5). While Huey loads,
the drivers nothing else has loaded yet are hidden from it. The desk never uses Huey's
PostgreSQL storage; it uses the SQLite one, or the Redis one when REDIS_URL is set, and
`redis_storage` then loads the Redis client and hands it to Huey.

Every import of Huey in the app goes through `webapp.queue`, which calls `load` first.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator
from typing import Any

HIDDEN_WHILE_LOADING = ("psycopg", "redis")


@contextlib.contextmanager
def _hidden(names: tuple[str, ...]) -> Iterator[None]:
    """`import name` fails with ImportError inside the block, for names not yet imported."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # the import system's "absent"
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, "") is None:
                del sys.modules[name]


def load() -> None:
    if "huey" not in sys.modules:
        with _hidden(HIDDEN_WHILE_LOADING):
            importlib.import_module("huey")


def redis_storage(name: str, url: str) -> Any:
    """Huey's Redis storage, with the Redis client given to it if it loaded without one."""
    import redis
    from huey import storage

    if storage.Redis is None:
        storage.ConnectionPool, storage.Redis = redis.ConnectionPool, redis.Redis
        storage.ConnectionError = redis.exceptions.ConnectionError
        storage.TimeoutError = redis.exceptions.TimeoutError
        storage.RedisStorage.redis_client = redis.Redis
    return storage.RedisStorage(name, url=url)
