"""Whether what the requester typed is what the registry holds.

The rule (it goes in the closing note):

- Both sides are normalised the same way: Unicode NFKC (full-width letters and digits
  become half-width, ㈱ becomes (株)), case-folded, every legal-form token removed, then
  every space and punctuation mark removed.
- Legal forms removed, Japanese anywhere in the name: 株式会社, 有限会社, 合同会社, 合資会社,
  合名会社, 一般社団法人, 一般財団法人, 公益社団法人, 公益財団法人, (株), (有), (同), (資), (名),
  (社), (財); Latin as whole words once dots are dropped (so "Co., Ltd." and "K.K." are
  words too): co, company, ltd, limited, inc, incorporated, corp, corporation, kk,
  kabushiki, kaisha, gaisha, godo, yugen, llc, llp, plc, gmbh, mbh, ag, kg, ohg, ug, se, sa,
  sas, sarl, sau, sl, slu, spa, srl, bv, nv, vof, ab, oy, oyj, as, aps, a/s, sro, zrt, kft,
  bt, doo, ad, eood, ood, oü, uab, sia, sp z o o.
  A name that is nothing but legal forms is compared without removing them.
- Name: equal after normalisation to one of the registry's names (its registered name, and
  for the NTA its furigana and English name where the record has them, for the invoice
  registry its trade name and kana).
- Address: each line the requester typed (the street line and the city), normalised the same
  way (and with 丁目, 番地, 番, 号 after a digit read as separators, so 1丁目2番3号 is 1-2-3),
  must appear within one of the registry's addresses (Japanese or English), normalised.
  An address typed in Japanese (kana, kanji) is compared with the registry's addresses in
  Japanese only, one typed otherwise with the others: an address the registry does not
  publish in the script typed (the NTA's English address is optional) cannot be
  compared, and is no mismatch. An address the requester left empty, or one the registry
  does not publish (sole traders, VIES members that withhold it), is never a mismatch; nor
  is a name the registry withholds (VIES answers "---" for some member states).
- Verified: name and address match. Mismatch: the registry has the number but the name or
  the address differs; `details["differs"]` says which.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from domain.registry_checks import CheckStatus

JAPANESE_FORMS = (
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "(株)",
    "(有)",
    "(同)",
    "(資)",
    "(名)",
    "(社)",
    "(財)",
)
LATIN_WORDS = (
    "co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "kk",
    "kabushiki", "kaisha", "gaisha", "godo", "yugen", "llc", "llp", "plc", "gmbh", "mbh", "ag",
    "kg", "ohg", "ug", "se", "sa", "sas", "sarl", "sau", "sl", "slu", "spa", "srl", "bv", "nv",
    "vof", "ab", "oy", "oyj", "as", "aps", "sro", "zrt", "kft", "bt", "doo", "ad", "eood",
    "ood", "oü", "uab", "sia",
)  # fmt: skip
LATIN_FORMS = frozenset(LATIN_WORDS)
# Multi-word forms, removed before the words are split.
LATIN_PHRASES = (re.compile(r"\bsp\s*z\s*o\s*o\b"), re.compile(r"\ba/s\b"))
_WORDS = re.compile(r"[^\W_]+")
# Kana and kanji (full-width and, before NFKC, half-width kana).
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_JAPANESE_SEPARATORS = re.compile(r"(?<=\d)(?:丁目|番地|番|号)")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def name_key(name: str) -> str:
    """The name as compared: folded, without legal forms, spaces or punctuation."""
    folded = _fold(name)
    stripped = folded.replace(".", "")
    for form in JAPANESE_FORMS:
        stripped = stripped.replace(form, " ")
    for phrase in LATIN_PHRASES:
        stripped = phrase.sub(" ", stripped)
    words = [w for w in _WORDS.findall(stripped) if w not in LATIN_FORMS]
    key = "".join(words)
    return key or "".join(_WORDS.findall(folded))


def address_key(address: str) -> str:
    """The address as compared: folded, 丁目/番地/番/号 after a digit as separators, without
    spaces or punctuation."""
    return "".join(_WORDS.findall(_JAPANESE_SEPARATORS.sub(" ", _fold(address))))


def name_matches(typed: str, registered: Iterable[str | None]) -> bool:
    """Equal to one registered name; a registry that publishes none (VIES's "---") cannot
    contradict the typed one."""
    keys = {name_key(r) for r in registered if r} - {""}
    return not keys or name_key(typed) in keys


def address_matches(typed: str | None, registered: Iterable[str | None]) -> bool:
    """Each typed line within one registered address of the same script; nothing to compare
    is a match."""
    lines = [address_key(line) for line in (typed or "").splitlines()]
    lines = [line for line in lines if line]
    japanese = any(_JAPANESE.search(line) for line in lines)
    keys = [address_key(r) for r in registered if r]
    keys = [key for key in keys if key and bool(_JAPANESE.search(key)) == japanese]
    if not lines or not keys:
        return True
    return any(all(line in key for line in lines) for key in keys)


def compare(
    typed_name: str,
    typed_address: str | None,
    names: Iterable[str | None],
    addresses: Iterable[str | None],
) -> tuple[CheckStatus, dict[str, str]]:
    """`verified`, or `mismatch` with `{"differs": "name" | "address" | "name,address"}`."""
    differs = []
    if not name_matches(typed_name, names):
        differs.append("name")
    if not address_matches(typed_address, addresses):
        differs.append("address")
    if differs:
        return "mismatch", {"differs": ",".join(differs)}
    return "verified", {}
