"""Connection pools and numbered SQL migrations, one schema per store."""

from __future__ import annotations

import logging
import re
from importlib import resources
from typing import Literal

import asyncpg

Store = Literal["commerce", "sales"]
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

log = logging.getLogger(__name__)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to undo: our locks are transaction-scoped and settings are per connection.

    The default reset sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    on every release, a round trip that would double the cost of a one-statement write.
    asyncpg still rolls back a transaction left open before calling this.
    """


async def create_pool(dsn: str, store: Store, *, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see only the store's own schema."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=max_size,
        server_settings={"search_path": store, "application_name": f"onboarding-{store}"},
        reset=_keep_session,
    )
    assert pool is not None
    return pool


def migration_files(store: Store) -> list[tuple[int, str, str]]:
    """(version, name, sql) of the store's migrations, in order."""
    folder = resources.files("activities") / "migrations" / store
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def apply_migrations(pool: asyncpg.Pool, store: Store) -> list[str]:
    """Apply the store's pending migrations; safe when several processes start at once."""
    applied: list[str] = []
    async with pool.acquire() as conn:
        # Session lock, so concurrent starters apply each file once.
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"migrations:{store}")
        try:
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {store}")
            await conn.execute(
                f"""CREATE TABLE IF NOT EXISTS {store}.schema_migrations (
                        version    integer PRIMARY KEY,
                        name       text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            done = {
                r["version"]
                for r in await conn.fetch(f"SELECT version FROM {store}.schema_migrations")
            }
            for version, name, sql in migration_files(store):
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL search_path TO {store}")
                    await conn.execute(sql)
                    await conn.execute(
                        f"INSERT INTO {store}.schema_migrations (version, name) VALUES ($1, $2)",
                        version,
                        name,
                    )
                log.info("applied %s migration %s", store, name)
                applied.append(name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"migrations:{store}")
    return applied
