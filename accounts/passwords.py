"""Password rules after NIST SP 800-63B-4, for accounts where the password is the only factor."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import cache
from importlib import resources
from itertools import pairwise

MIN_LENGTH = 15
MAX_LENGTH = 1000

# Shorter local parts ("jo", "a") would refuse too many innocent passwords.
_MIN_EMAIL_LOCAL_PART = 3
_MIN_COMPANY_WORD = 4
_MIN_COMPANY_NAME = 3
# A stripped core shorter than this ("ab", "x") is not evidence of a listed password.
_MIN_COMMON_CORE = 4

# Legal forms say nothing about the company, so they must not make a password look related.
_LEGAL_WORDS = frozenset(
    {
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "llc",
        "llp",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "kk",
    }
)
# Japanese legal forms are written without spaces around the name, so they are cut out as text.
_JAPANESE_LEGAL_FORMS = ("株式会社", "合同会社", "有限会社", "合資会社", "合名会社", "(株)", "(有)")
_WORD_SEPARATORS = re.compile(r"[\W_]+")


class PasswordProblem(StrEnum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"
    CONTAINS_EMAIL = "contains_email"
    CONTAINS_COMPANY = "contains_company"


def normalize_password(raw: str) -> str:
    """NFKC, so the same password typed on different keyboards or IMEs is the same password."""
    return unicodedata.normalize("NFKC", raw)


def password_problem(password: str, *, email: str, company: str | None) -> PasswordProblem | None:
    """The first rule the raw `password` breaks, or None when it is acceptable."""
    # Refuse oversized input before normalizing: NFKC of a huge string is wasted work.
    if len(password) > MAX_LENGTH:
        return PasswordProblem.TOO_LONG
    normalized = normalize_password(password)
    if len(normalized) < MIN_LENGTH:
        return PasswordProblem.TOO_SHORT
    folded = normalized.casefold()
    if _contains_email_local_part(folded, email):
        return PasswordProblem.CONTAINS_EMAIL
    if company and _contains_company_name(folded, company):
        return PasswordProblem.CONTAINS_COMPANY
    if _is_common(folded):
        return PasswordProblem.COMMON
    return None


def _fold(text: str) -> str:
    return normalize_password(text).casefold()


def _contains_email_local_part(folded_password: str, email: str) -> bool:
    local_part = _fold(email).rsplit("@", 1)[0].strip()
    return len(local_part) >= _MIN_EMAIL_LOCAL_PART and local_part in folded_password


def _contains_company_name(folded_password: str, company: str) -> bool:
    return any(fragment in folded_password for fragment in _company_fragments(company))


def _company_fragments(company: str) -> set[str]:
    name = _fold(company)
    for legal_form in _JAPANESE_LEGAL_FORMS:
        name = name.replace(legal_form, " ")
    name = name.strip()
    words = [word for word in _WORD_SEPARATORS.split(name) if word and word not in _LEGAL_WORDS]
    fragments = {word for word in words if len(word) >= _MIN_COMPANY_WORD}
    # "Acme Tools" is often typed as "acmetools"; short names like "ソニー" only show up whole.
    for whole in (name, "".join(words)):
        if len(whole) >= _MIN_COMPANY_NAME:
            fragments.add(whole)
    return fragments


def _is_common(folded: str) -> bool:
    listed = _common_passwords()
    if folded in listed:
        return True
    core = _strip_padding(folded)
    if len(core) < _MIN_COMMON_CORE:
        core = folded
    if core in listed:
        return True
    # "passwordpassword123" is a word said twice with digits bolted on: check the core too.
    return any(_is_repeated_chunk(text) or _is_sequential_run(text) for text in (folded, core))


def _is_padding(char: str) -> bool:
    # Digits, spaces, punctuation and symbols are what people bolt onto a word to reach a length.
    return char.isdigit() or char.isspace() or unicodedata.category(char)[0] in "PS"


def _strip_padding(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_padding(text[start]):
        start += 1
    while end > start and _is_padding(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_repeated_chunk(text: str) -> bool:
    # A chunk shorter than MIN_LENGTH repeated is only as strong as the chunk itself.
    # Text has period p exactly when dropping its first p characters equals dropping its last p.
    longest_chunk = min(len(text) // 2, MIN_LENGTH - 1)
    return any(text[period:] == text[:-period] for period in range(1, longest_chunk + 1))


def _is_sequential_run(text: str) -> bool:
    steps = {_step(before, after) for before, after in pairwise(text)}
    return steps in ({1}, {-1})


def _step(before: str, after: str) -> int:
    if before in "0123456789" and after in "0123456789":
        # Map the difference into -5..4 so "90" counts as +1 and "09" as -1, as on a keypad row.
        return (int(after) - int(before) + 5) % 10 - 5
    return ord(after) - ord(before)


@cache
def _common_passwords() -> frozenset[str]:
    listing = resources.files("accounts").joinpath("common_passwords.txt")
    lines = listing.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))
