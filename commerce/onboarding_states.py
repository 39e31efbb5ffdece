"""The onboarding's state as its run publishes it, for reads that must not query the run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.database import Database

# Each state kept is announced on this channel, its payload the onboarding's reference, so
# that reads waiting for the next state (commerce/state_changes.py) need not poll.
CHANNEL = "onboarding_states"


@dataclass(frozen=True)
class PublishedState:
    version: int
    state: dict[str, Any]


class OnboardingStates:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def publish(self, reference: str, version: int, state: dict[str, Any]) -> None:
        """Keep the state unless a later version is kept already; announce it when kept."""
        await self._db.execute(
            """WITH kept AS (
                   INSERT INTO onboarding_states (reference, version, state)
                   VALUES ($1, $2, $3::jsonb)
                   ON CONFLICT (reference) DO UPDATE
                       SET version = EXCLUDED.version, state = EXCLUDED.state, updated_at = now()
                       WHERE onboarding_states.version < EXCLUDED.version
                   RETURNING reference)
               SELECT pg_notify($4, reference) FROM kept""",
            reference,
            version,
            json.dumps(state),
            CHANNEL,
        )

    async def latest(self, reference: str) -> PublishedState | None:
        """The last state published; None while the run has published none, or once the
        onboarding is erased (a step still running may publish after the erasure)."""
        row = await self._db.fetchrow(
            """SELECT version, state FROM onboarding_states
               WHERE reference = $1
                 AND NOT EXISTS (SELECT 1 FROM erased_onboardings WHERE reference = $1)""",
            reference,
        )
        if row is None:
            return None
        return PublishedState(version=row["version"], state=json.loads(row["state"]))
