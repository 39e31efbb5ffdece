"""Numbered SQL migrations, applied once each at start-up, in order, per store schema."""

from __future__ import annotations

import logging
import re
from importlib import resources

from storage.database import Database, Store

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

log = logging.getLogger(__name__)


def migration_files(package: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) of the migrations in `package`'s `migrations` folder, in order."""
    folder = resources.files(package) / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def apply_migrations(pool: Database, store: Store, package: str) -> list[str]:
    """Apply the pending migrations of `package` to the store's schema; safe when several
    processes start at once."""
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
            for version, name, sql in migration_files(package):
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
