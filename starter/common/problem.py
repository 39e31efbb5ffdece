"""The body of every error answer of the JSON endpoints, so /openapi.json describes it."""

from __future__ import annotations

from pydantic import BaseModel


class Problem(BaseModel):
    detail: str
    reference: str | None = None
