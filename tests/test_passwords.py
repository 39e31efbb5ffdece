"""Password rules, Argon2id hashing and tokens of the accounts package, with no servers."""

from __future__ import annotations

import asyncio
import contextlib
import re

import pytest

from accounts.hashing import HashParameters, PasswordHasher
from accounts.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    PasswordProblem,
    normalize_password,
    password_problem,
)
from accounts.tokens import new_token, token_hash

EMAIL = "jane.doe@example.com"
COMPANY = "Contoso Trading Ltd."
# Cheap enough that the hashing tests take milliseconds; one test keeps the real defaults.
FAST = HashParameters(time_cost=1, memory_kib=1024, parallelism=1)
PASSPHRASE = "violet kettle under the quiet harbour"


def problem(password: str, *, email: str = EMAIL, company: str | None = COMPANY) -> str | None:
    return password_problem(password, email=email, company=company)


def test_min_length_is_accepted() -> None:
    """A password of exactly MIN_LENGTH characters passes the length rule."""
    password = "q7vz kmwp xr2tn"
    assert len(password) == MIN_LENGTH
    assert problem(password) is None


def test_one_below_min_length_is_too_short() -> None:
    """A password of MIN_LENGTH - 1 characters is refused as too short."""
    password = "q7vz kmwp xr2t"
    assert len(password) == MIN_LENGTH - 1
    assert problem(password) == PasswordProblem.TOO_SHORT


@pytest.mark.parametrize("length", [64, MAX_LENGTH])
def test_long_passwords_are_accepted(length: int) -> None:
    """Lengths up to MAX_LENGTH are accepted; no one is forced to shorten a passphrase."""
    password = ("violet kettle under the quiet harbour while eleven gulls argue " * 20)[:length]
    assert len(password) == length
    assert problem(password) is None


def test_above_max_length_is_too_long() -> None:
    """MAX_LENGTH + 1 characters are refused as too long."""
    assert problem("x" * (MAX_LENGTH + 1)) == PasswordProblem.TOO_LONG


def test_too_long_wins_over_every_other_problem() -> None:
    """An oversized input is refused for its size before anything else is looked at."""
    oversized = "jane.doe password " * 100
    assert problem(oversized) == PasswordProblem.TOO_LONG


def test_japanese_passphrase_is_accepted() -> None:
    """A Japanese passphrase of enough code points is accepted."""
    assert problem("しずかな港でやかんが静かに鳴っている夕方") is None


def test_normalize_password_is_nfkc_only() -> None:
    """Normalizing applies NFKC and nothing else: spaces and case survive."""
    assert normalize_password(" Ｐａｓｓ　Ｗｏｒｄ ") == " Pass Word "


def test_full_width_letters_are_normalized_before_matching() -> None:
    """Full-width letters are NFKC-normalized, so a full-width common password is refused."""
    assert problem("ｐａｓｓｗｏｒｄ１２３４５６７") == PasswordProblem.COMMON


def test_length_is_counted_after_normalization() -> None:
    """Length counts code points after NFKC, where e plus a combining accent is one."""
    decomposed = "quiet cafe\u0301 hrb"
    assert len(decomposed) == MIN_LENGTH
    assert problem(decomposed) == PasswordProblem.TOO_SHORT


def test_common_password_padded_with_digits_is_refused() -> None:
    """A listed password with digits and punctuation around it is still common."""
    assert problem("password1234567") == PasswordProblem.COMMON
    assert problem("!!!Dragon2024!!!") == PasswordProblem.COMMON


def test_repeated_chunk_is_refused() -> None:
    """One short chunk repeated is refused as common."""
    assert problem("abcabcabcabcabca") == PasswordProblem.COMMON
    assert problem("a" * 16) == PasswordProblem.COMMON


def test_sequential_run_is_refused() -> None:
    """Runs of consecutive characters, up or down, digits wrapping 9 to 0, are common."""
    assert problem("zyxwvutsrqponmlk") == PasswordProblem.COMMON
    assert problem("123456789012345") == PasswordProblem.COMMON
    assert problem("abcdefghijklmnop") == PasswordProblem.COMMON
    assert problem("5432109876543210") == PasswordProblem.COMMON


def test_email_local_part_is_refused() -> None:
    """A password containing the email's local part, in any case, is refused."""
    assert problem("my name is JANE.DOE ok") == PasswordProblem.CONTAINS_EMAIL


def test_short_email_local_part_is_ignored() -> None:
    """A local part under three characters is too common a string to refuse on."""
    assert problem(PASSPHRASE + " jo", email="jo@example.com") is None


def test_company_word_is_refused() -> None:
    """A password containing a word of the company name is refused."""
    assert problem("i love working at contoso!") == PasswordProblem.CONTAINS_COMPANY


def test_company_legal_suffix_is_ignored() -> None:
    """Legal forms like "Ltd" or 株式会社 do not count as part of the company name."""
    assert problem("limited edition violet kettle", company="Kettle Limited") == (
        PasswordProblem.CONTAINS_COMPANY
    )
    assert problem("limited edition violet harbour", company="Kettle Limited") is None
    assert problem("株式会社で働く静かな港の夕方です", company="ミナト 株式会社") is None


def test_short_japanese_company_name_is_refused() -> None:
    """A short Japanese company name is matched whole, with its legal form removed."""
    assert problem("ソニーのテレビはとても良いです", company="ソニー株式会社") == (
        PasswordProblem.CONTAINS_COMPANY
    )


def test_no_company_skips_the_company_rule() -> None:
    """Without a company, only the other rules apply."""
    assert problem("i love working at contoso!", company=None) is None


def test_random_looking_passphrase_is_accepted() -> None:
    """A long phrase unrelated to the account and not on the list is accepted."""
    assert problem(PASSPHRASE) is None
    assert problem("Tr0ub4dor&3 meets violet kettles") is None


def test_checks_run_in_the_documented_order() -> None:
    """Length beats email, which beats company, which beats common."""
    assert problem("jane.doe") == PasswordProblem.TOO_SHORT
    both = "jane.doe contoso password"
    assert problem(both) == PasswordProblem.CONTAINS_EMAIL
    assert problem("contoso password1234") == PasswordProblem.CONTAINS_COMPANY


async def test_hash_then_verify_round_trips() -> None:
    """A hash verifies against the password it was made from."""
    hasher = PasswordHasher(FAST)
    stored = await hasher.hash(PASSPHRASE)
    assert stored.startswith("$argon2id$")
    assert await hasher.verify(stored, PASSPHRASE)


async def test_wrong_password_does_not_verify() -> None:
    """Verifying the wrong password returns False rather than raising."""
    hasher = PasswordHasher(FAST)
    stored = await hasher.hash(PASSPHRASE)
    assert not await hasher.verify(stored, PASSPHRASE + "!")


@pytest.mark.parametrize(
    "garbage",
    ["", "not a hash", "$2b$12$abcdefghijklmnopqrstuuFhSqvYbSlQ5y1YwPg3bbGMR5sQrUZ0S", "ハッシュ"],
)
async def test_garbage_hash_does_not_verify(garbage: str) -> None:
    """An invalid or foreign hash string verifies as False, never raises."""
    assert not await PasswordHasher(FAST).verify(garbage, PASSPHRASE)


async def test_lone_surrogate_password_hashes_and_verifies() -> None:
    """A lone surrogate, which JSON can carry, hashes and verifies and matches only itself."""
    hasher = PasswordHasher(FAST)
    stored = await hasher.hash(PASSPHRASE + "\ud800")
    assert await hasher.verify(stored, PASSPHRASE + "\ud800")
    assert not await hasher.verify(stored, PASSPHRASE + "\ud801")


async def test_needs_rehash_after_parameters_change() -> None:
    """A hash made with other parameters needs rehashing; one made with the same does not."""
    stored = await PasswordHasher(FAST).hash(PASSPHRASE)
    assert not PasswordHasher(FAST).needs_rehash(stored)
    assert PasswordHasher(HashParameters(time_cost=2, memory_kib=1024)).needs_rehash(stored)


def test_garbage_hash_needs_rehash() -> None:
    """A hash that cannot be read needs replacing."""
    assert PasswordHasher(FAST).needs_rehash("not a hash")


async def test_default_parameters_hash_and_verify() -> None:
    """The RFC 9106 default profile hashes and verifies and records its costs in the hash."""
    hasher = PasswordHasher()
    stored = await hasher.hash(PASSPHRASE)
    assert "$m=65536,t=3,p=4$" in stored
    assert await hasher.verify(stored, PASSPHRASE)
    assert not hasher.needs_rehash(stored)


async def test_verify_dummy_completes() -> None:
    """verify_dummy does its work and returns, also when called concurrently the first time."""
    hasher = PasswordHasher(FAST)
    await asyncio.gather(hasher.verify_dummy(PASSPHRASE), hasher.verify_dummy("other"))
    await hasher.verify_dummy(PASSPHRASE)


async def test_hashing_does_not_block_the_event_loop() -> None:
    """While a hash runs in its worker thread, other coroutines keep running."""
    hasher = PasswordHasher(HashParameters(time_cost=2, memory_kib=8192, parallelism=1))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    await hasher.hash(PASSPHRASE)
    ticker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await ticker
    assert ticks > 1


def test_new_tokens_are_url_safe_and_distinct() -> None:
    """A token is 43 URL-safe characters (256 bits) and never repeats."""
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)


def test_token_hash_is_sha256_hex() -> None:
    """A token's hash is the SHA-256 hex digest of its UTF-8 bytes."""
    assert token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_repeated_word_with_digits_bolted_on_is_refused() -> None:
    """A word said twice and padded with digits is as weak as the word."""
    problem = password_problem("passwordpassword123", email="a@b.example", company=None)
    assert problem is PasswordProblem.COMMON
