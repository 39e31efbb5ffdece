"""Conditional and waiting reads: `If-None-Match` (RFC 9110) with `Prefer: wait` (RFC 7240).

A client that has seen a state sends its entity tag back and asks the server to wait; the
answer comes when the state changes, or as 304 once the wait is over. Preferences the server
cannot read are ignored, as RFC 7240 asks, so a malformed one never fails a request.
"""

from __future__ import annotations

import re

_TAG = re.compile(r'^\s*(?:W/)?"([\x21\x23-\x7e]*)"\s*$')
_WAIT = re.compile(r'^\s*wait\s*=\s*"?(\d{1,6})"?\s*$', re.IGNORECASE)


def entity_tags(if_none_match: str | None) -> frozenset[str]:
    """The tags listed (weak or strong, compared weakly as RFC 9110 asks for If-None-Match);
    empty for none, for `*` and for a list with a malformed member."""
    if not if_none_match:
        return frozenset()
    tags = []
    for member in if_none_match.split(","):
        match = _TAG.match(member)
        if match is None:
            return frozenset()
        tags.append(match.group(1))
    return frozenset(tags)


def preferred_wait(prefer: str | None, longest: float) -> float | None:
    """The seconds the client prefers to wait, at most `longest`; None if it asks no wait."""
    for preference in (prefer or "").split(","):
        match = _WAIT.match(preference.split(";", 1)[0])
        if match is not None:
            return min(float(match.group(1)), longest)
    return None


def quoted(tag: str) -> str:
    return f'"{tag}"'
