"""The onboarding's state as its run publishes it, for reads that must not query the run."""

from __future__ import annotations

import json
from typing import Any

from storage.database import Database


class OnboardingStates:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def publish(self, reference: str, version: int, state: dict[str, Any]) -> None:
        """Keep the state unless a later version is kept already."""
        await self._db.execute(
            """INSERT INTO onboarding_states (reference, version, state)
               VALUES ($1, $2, $3::jsonb)
               ON CONFLICT (reference) DO UPDATE
                   SET version = EXCLUDED.version, state = EXCLUDED.state, updated_at = now()
                   WHERE onboarding_states.version < EXCLUDED.version""",
            reference,
            version,
            json.dumps(state),
        )

    async def latest(self, reference: str) -> dict[str, Any] | None:
        """The last state published; None while the run has published none, or once the
        onboarding is erased (a step still running may publish after the erasure)."""
        state = await self._db.fetchval(
            """SELECT state FROM onboarding_states
               WHERE reference = $1
                 AND NOT EXISTS (SELECT 1 FROM erased_onboardings WHERE reference = $1)""",
            reference,
        )
        return json.loads(state) if state is not None else None
