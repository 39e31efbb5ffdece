"""Who signs in: a partner organization's site users, or the shop's staff.

Each audience has its own accounts, sign-in page and session cookie; the links, sessions,
throttles and second factors are shared and keyed by it.
"""

from __future__ import annotations

from typing import Literal

Audience = Literal["site", "staff"]
