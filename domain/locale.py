"""The languages the site, its emails and its people's names are written in."""

from __future__ import annotations

from typing import Literal

# Japanese first: the shop's home market, and the order the site offers them in.
Locale = Literal["ja", "en"]
