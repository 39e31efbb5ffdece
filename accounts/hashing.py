"""Argon2id password hashing, run in worker threads so the event loop keeps serving."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass

import argon2
from argon2.exceptions import InvalidHashError, VerificationError


@dataclass(frozen=True)
class HashParameters:
    """Argon2id costs; the defaults are RFC 9106's second recommended profile."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


class HasherBusy(Exception):
    """Too many hashes are already waiting: answer "try again shortly" instead of queueing."""


class PasswordHasher:
    """Hashes and verifies already-normalized passwords without blocking the event loop."""

    def __init__(
        self, params: HashParameters = HashParameters(), concurrent: int = 4, waiting: int = 64
    ) -> None:
        # Each hash takes memory_kib and a core for its duration: a burst of sign-ins queues
        # here instead of taking every core and gigabytes of memory at once, and past a
        # queue this long a flood is turned away instead of delaying everyone behind it.
        self._slots = asyncio.Semaphore(concurrent)
        self._max_waiting = waiting
        self._waiting = 0
        self._hasher = argon2.PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            type=argon2.Type.ID,
        )
        self._dummy_hash: str | None = None
        self._dummy_hash_lock = threading.Lock()

    async def hash(self, password: str) -> str:
        async with self._slot():
            return await asyncio.to_thread(self._hasher.hash, _password_bytes(password))

    async def verify(self, stored_hash: str, password: str) -> bool:
        """True when `password` matches; False on a mismatch or a hash this hasher cannot read."""
        async with self._slot():
            return await asyncio.to_thread(self._verify_blocking, stored_hash, password)

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        if self._waiting >= self._max_waiting:
            raise HasherBusy
        self._waiting += 1
        try:
            async with self._slots:
                yield
        finally:
            self._waiting -= 1

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            # Whatever made this hash, it was not us with today's parameters.
            return True

    async def verify_dummy(self, password: str) -> None:
        """Spend the time of a failed verify, so an unknown account looks like a wrong password."""
        async with self._slot():
            await asyncio.to_thread(self._verify_dummy_blocking, password)

    def _verify_blocking(self, stored_hash: str, password: str) -> bool:
        try:
            encoded_hash = stored_hash.encode("ascii")
        except UnicodeEncodeError:
            return False
        try:
            return self._hasher.verify(encoded_hash, _password_bytes(password))
        except (VerificationError, InvalidHashError):
            return False

    def _verify_dummy_blocking(self, password: str) -> None:
        # Made on first use rather than in __init__ so constructing a hasher stays cheap; the lock
        # is a thread lock because this runs in worker threads, possibly under different loops.
        with self._dummy_hash_lock:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(secrets.token_bytes(32))
            dummy_hash = self._dummy_hash
        self._verify_blocking(dummy_hash, password)


def _password_bytes(password: str) -> bytes:
    # A JSON body can carry a lone surrogate ("\ud800"); strict UTF-8 would raise on it. Passing
    # surrogates through keeps hash and verify total and in agreement, and valid text unchanged.
    return password.encode("utf-8", "surrogatepass")
