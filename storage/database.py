"""A store's connection pool: one schema per store, outages reported as one error."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from contextvars import ContextVar
from typing import Any, Literal, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Store = Literal["commerce", "sales"]

# The connection itself can no longer be trusted. InternalClientError is what asyncpg raises
# when PostgreSQL's "terminating connection" error reaches a connection idling in the pool:
# asyncpg then waits for a sync message that never comes, and until it reads the socket's
# end the connection looks open while every statement on it fails.
BROKEN_CONNECTION: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)
# The server cannot serve now: shutting down or starting (class 57), out of resources (53),
# failing below SQL (58). A retry later may succeed; nothing about the request is wrong.
SERVER_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.PostgresSystemError,
)
_STORE_ERRORS: tuple[type[BaseException], ...] = (OSError, *BROKEN_CONNECTION, *SERVER_UNAVAILABLE)


def _broke(conn: Connection, error: BaseException) -> bool:
    """Whether the error left the connection unusable. A socket error counts only if it was
    this connection's: the block may also talk to other servers (SMTP, Temporal)."""
    if isinstance(error, BROKEN_CONNECTION):
        return True
    if not isinstance(error, OSError):
        return False
    try:
        return conn.is_closed()
    except asyncpg.InterfaceError:  # closed, and already back in the pool
        return True


class StoreUnavailable(Exception):
    """A store could not be reached or could not serve; the statement may be retried."""


# Subscripted only for the type checker: asyncpg's class is not generic at run time.
Connection: TypeAlias = "PoolConnectionProxy[asyncpg.Record]"


class Database:
    """A store's pool that never hands out a broken connection twice, and that reports every
    outage as `StoreUnavailable` instead of one of asyncpg's dozen exception types."""

    def __init__(self, pool: asyncpg.Pool, store: Store) -> None:
        self._pool = pool
        self.store = store
        # The connection of the transaction() this task is in, if any.
        self._bound: ContextVar[Connection | None] = ContextVar(f"{store}_bound", default=None)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One transaction around several of the store's writes: inside it every statement
        of this store (in this task) runs on its connection, and a write's own transaction
        becomes a savepoint. All of them commit, or none."""
        async with self.acquire() as conn, conn.transaction():
            bound = self._bound.set(conn)
            try:
                yield
            finally:
                self._bound.reset(bound)

    @contextlib.asynccontextmanager
    async def acquire(self, *, discard_on_error: bool = False) -> AsyncIterator[Connection]:
        """A pooled connection; `discard_on_error` closes it after any failure, so that a
        retry runs on a new one whatever went wrong."""
        if (bound := self._bound.get()) is not None:
            # Inside transaction(): its connection, whose acquire() handles the errors.
            yield bound
            return
        foreign: BaseException | None = None
        try:
            async with self._pool.acquire() as conn:
                try:
                    yield conn
                except Exception as error:
                    broke = _broke(conn, error)
                    if broke or discard_on_error:
                        # Released normally, it would go back to the pool and fail the next
                        # user. (If it closed itself meanwhile, the pool has it back already.)
                        with contextlib.suppress(asyncpg.InterfaceError):
                            conn.terminate()
                    if not broke and not isinstance(error, SERVER_UNAVAILABLE):
                        foreign = error
                    raise
        except _STORE_ERRORS as error:
            if error is foreign:
                raise
            raise StoreUnavailable(f"the {self.store} store is unavailable: {error!r}") from error

    async def execute(self, query: str, *args: object) -> str:
        async with self.acquire() as conn:
            return await conn.execute(query, *args)

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        async with self.acquire() as conn:
            return await conn.fetch(query, *args)

    async def fetchrow(self, query: str, *args: object) -> asyncpg.Record | None:
        async with self.acquire() as conn:
            return await conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: object) -> Any:
        async with self.acquire() as conn:
            return await conn.fetchval(query, *args)

    async def rows_touched(self, statements: Iterable[str], *args: object) -> int:
        """Run the statements in one transaction; how many rows they inserted, updated or
        deleted in all."""
        touched = 0
        async with self.acquire() as conn, conn.transaction():
            for sql in statements:
                status = await conn.execute(sql, *args)
                touched += int(status.rpartition(" ")[2] or 0)
        return touched

    async def close(self) -> None:
        await self._pool.close()


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to undo: our locks are transaction-scoped and settings are per connection.

    The default reset sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    on every release, a round trip that would double the cost of a one-statement write.
    asyncpg still rolls back a transaction left open before calling this.
    """


async def create_pool(dsn: str, store: Store, *, max_size: int = 10) -> Database:
    """A pool whose connections see only the store's own schema."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=max_size,
        server_settings={"search_path": store, "application_name": f"onboarding-{store}"},
        reset=_keep_session,
    )
    assert pool is not None
    return Database(pool, store)
