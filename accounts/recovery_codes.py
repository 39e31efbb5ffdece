"""One-time recovery codes, for when the authenticator is lost: shown once, stored as digests."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass

COUNT = 10
# No 0/o, 1/l/i: a code copied from paper is typed as it was printed. 31 symbols, so each
# carries about 4.95 random bits, and 24 of them about 119: a code stored under a fast hash
# needs at least 112 (NIST SP 800-63B, ASVS V6.5.2).
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
LENGTH = 24
# Shown as 5-5-5-5-4, short groups to copy from paper without losing one's place.
GROUPS = (5, 5, 5, 5, 4)
_ALPHABET = frozenset(ALPHABET)
_MAX_TYPED = 64


@dataclass(frozen=True)
class RecoveryCodes:
    # To show once, `xxxxx-xxxxx-xxxxx-xxxxx-xxxx`; never stored.
    shown: list[str]
    # To store, in the same order.
    digests: list[str]


def new_recovery_codes(*, audience: str, account_id: str, count: int = COUNT) -> RecoveryCodes:
    """Fresh codes for the account, and their digests."""
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(count)]
    return RecoveryCodes(
        shown=[_grouped(code) for code in codes],
        digests=[_digest(code, audience, account_id) for code in codes],
    )


def recovery_code_digest(typed: str, *, audience: str, account_id: str) -> str | None:
    """The digest of a typed code, whatever its case, dashes and spaces; None when it cannot be
    a recovery code."""
    code = normalize_recovery_code(typed)
    return None if code is None else _digest(code, audience, account_id)


def normalize_recovery_code(typed: str) -> str | None:
    """The code's symbols in lower case, dashes and spaces dropped; None when it cannot be
    a recovery code."""
    if len(typed) > _MAX_TYPED:
        return None
    # NFKC folds full-width letters and the full-width hyphen to ASCII.
    folded = unicodedata.normalize("NFKC", typed).casefold()
    code = "".join(
        char for char in folded if not char.isspace() and unicodedata.category(char) != "Pd"
    )
    if len(code) != LENGTH or not set(code) <= _ALPHABET:
        return None
    return code


def _grouped(code: str) -> str:
    groups, start = [], 0
    for size in GROUPS:
        groups.append(code[start : start + size])
        start += size
    return "-".join(groups)


def _digest(code: str, audience: str, account_id: str) -> str:
    # The codes are random, so a fast hash is enough, as for link tokens. The account goes in
    # too: a stolen table then has to be searched account by account, not all codes at once.
    return hashlib.sha256(f"{audience}:{account_id}\x00{code}".encode()).hexdigest()
