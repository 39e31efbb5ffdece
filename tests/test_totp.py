"""The pure rules of second factors: TOTP codes (with RFC 6238's own test vectors), recovery
codes, and secrets sealed under rotating keys."""

from __future__ import annotations

import base64
import math
import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidTag

from accounts.recovery_codes import (
    ALPHABET,
    new_recovery_codes,
    normalize_recovery_code,
    recovery_code_digest,
)
from accounts.sealing import KeyRing, UnknownKey
from accounts.throttle import SECOND_FACTOR, UNTIL_CLEARED
from accounts.totp import (
    code_at_step,
    new_secret,
    provisioning_uri,
    qr_svg,
    setup_key,
    time_step,
    verify,
)

# RFC 6238, Appendix B: the SHA-1 seed, and each time with its 8-digit code's last 6 digits.
RFC_SECRET = b"12345678901234567890"
RFC_VECTORS = [
    (59, "287082"),
    (1111111109, "081804"),
    (1111111111, "050471"),
    (1234567890, "005924"),
    (2000000000, "279037"),
    (20000000000, "353130"),
]
AT = datetime(2026, 5, 1, 9, 0, 10, tzinfo=UTC)
STEP = timedelta(seconds=30)


def code_at(secret: bytes, at: datetime) -> str:
    return code_at_step(secret, time_step(at))


@pytest.mark.parametrize(("unix_time", "code"), RFC_VECTORS)
def test_codes_match_the_rfc_test_vectors(unix_time: int, code: str) -> None:
    """Each RFC 6238 SHA-1 vector gives the RFC's code, cut to six digits."""
    assert code_at(RFC_SECRET, datetime.fromtimestamp(unix_time, UTC)) == code


def test_a_code_of_the_current_step_returns_that_step() -> None:
    """The current code is accepted, and the step it belongs to comes back."""
    at = datetime.fromtimestamp(1111111109, UTC)
    assert verify(RFC_SECRET, "081804", at=at, last_step=None) == 1111111109 // 30


def test_a_code_one_step_either_side_is_accepted() -> None:
    """A clock off by one step, either way, still gets its code accepted."""
    secret = new_secret()
    for drift in (-STEP, STEP):
        typed = code_at(secret, AT + drift)
        assert verify(secret, typed, at=AT, last_step=None) == time_step(AT + drift)


def test_a_code_two_steps_away_is_refused() -> None:
    """Past one step of drift, a code no longer works."""
    secret = new_secret()
    for drift in (-2 * STEP, 2 * STEP):
        assert verify(secret, code_at(secret, AT + drift), at=AT, last_step=None) is None


def test_a_code_of_the_last_accepted_step_is_refused() -> None:
    """Replayed within its window, an accepted code is refused."""
    secret = new_secret()
    assert verify(secret, code_at(secret, AT), at=AT, last_step=time_step(AT)) is None


def test_a_code_older_than_the_last_accepted_step_is_refused() -> None:
    """Once a step was accepted, the code of the step before it no longer works."""
    secret = new_secret()
    earlier = code_at(secret, AT - STEP)
    assert verify(secret, earlier, at=AT, last_step=time_step(AT)) is None


def test_a_code_of_another_secret_is_refused() -> None:
    """The code of one secret does not open another."""
    assert verify(new_secret(), code_at(new_secret(), AT), at=AT, last_step=None) is None


def test_spaces_and_full_width_digits_are_tolerated() -> None:
    """`287 082`, with spaces around, or typed in full-width digits, is the same code."""
    at = datetime.fromtimestamp(59, UTC)
    for typed in (" 287 082 ", "287\u3000082", "２８７０８２"):
        assert verify(RFC_SECRET, typed, at=at, last_step=None) == 1, typed


@pytest.mark.parametrize(
    "typed", ["", "28708", "2870821", "28708a", "287-082", "٢٨٧٠٨٢", "2" * 1000, "+87082"]
)
def test_anything_but_six_digits_is_refused(typed: str) -> None:
    """Short, long, lettered, punctuated or other-script input never matches."""
    assert verify(RFC_SECRET, typed, at=datetime.fromtimestamp(59, UTC), last_step=None) is None


def test_a_naive_time_is_refused() -> None:
    """A time without its zone would be read in the host's: refused outright."""
    with pytest.raises(ValueError, match="aware"):
        time_step(datetime(2026, 5, 1, 9, 0))


def test_a_secret_carries_160_random_bits() -> None:
    """Secrets are 20 bytes, and two are never the same."""
    first, second = new_secret(), new_secret()
    assert len(first) == len(second) == 20
    assert first != second


def test_the_setup_key_is_the_base32_secret_in_groups_of_four() -> None:
    """The setup key reads in groups of four and, spaces removed, decodes to the secret."""
    key = setup_key(RFC_SECRET)
    assert key == "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
    assert base64.b32decode(key.replace(" ", "")) == RFC_SECRET


def test_the_provisioning_uri_names_issuer_account_and_parameters() -> None:
    """The otpauth URI percent-encodes its label parts and states SHA1, 6 digits, 30 s."""
    uri = provisioning_uri(RFC_SECRET, issuer="Contoso B2B Store", account="rep@shop.example")
    assert uri == (
        "otpauth://totp/Contoso%20B2B%20Store:rep%40shop.example"
        "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Contoso%20B2B%20Store"
        "&algorithm=SHA1&digits=6&period=30"
    )


def test_a_colon_in_the_account_cannot_split_the_label() -> None:
    """A colon inside a label part is encoded, so the issuer prefix stays unambiguous."""
    uri = provisioning_uri(RFC_SECRET, issuer="Shop: Tokyo", account="a:b@shop.example")
    assert uri.startswith("otpauth://totp/Shop%3A%20Tokyo:a%3Ab%40shop.example?")


def test_the_qr_code_is_inline_svg_with_a_title_and_no_secret_in_text() -> None:
    """The QR code is an <svg> element named by its title; the secret is only in the image."""
    uri = provisioning_uri(RFC_SECRET, issuer="Shop", account="rep@shop.example")
    svg = qr_svg(uri, title="Scan with your authenticator app")
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "<title>Scan with your authenticator app</title>" in svg
    assert "GEZDGNBV" not in svg


def test_ten_recovery_codes_in_groups_of_five_and_four() -> None:
    """Ten distinct codes from the unambiguous alphabet, shown `xxxxx-xxxxx-xxxxx-xxxxx-xxxx`."""
    codes = new_recovery_codes(audience="staff", account_id="STF-1")
    group = f"[{ALPHABET}]{{5}}-"
    shape = re.compile(f"{group * 4}[{ALPHABET}]{{4}}")
    assert len(codes.shown) == len(set(codes.shown)) == 10
    assert all(shape.fullmatch(code) for code in codes.shown)
    assert not set(ALPHABET) & set("01ilo")


def test_a_recovery_code_carries_at_least_112_random_bits() -> None:
    """A code's symbols carry the 112 bits a code kept under a fast hash needs."""
    shown = new_recovery_codes(audience="site", account_id="USR-1").shown[0]
    symbols = normalize_recovery_code(shown) or ""
    assert len(symbols) * math.log2(len(ALPHABET)) >= 112


def test_a_typed_recovery_code_gives_its_stored_digest() -> None:
    """Upper case, no dash, spaces or full-width letters: the digest is the stored one."""
    codes = new_recovery_codes(audience="site", account_id="USR-1")
    shown, stored = codes.shown[0], codes.digests[0]
    bare = shown.replace("-", "")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in shown.upper())
    for typed in (shown, shown.upper(), bare, f" {bare[:3]} {bare[3:]} ", full_width):
        assert recovery_code_digest(typed, audience="site", account_id="USR-1") == stored, typed


def test_a_recovery_code_digest_belongs_to_its_account() -> None:
    """The same code typed for another account gives another digest."""
    codes = new_recovery_codes(audience="site", account_id="USR-1")
    other = recovery_code_digest(codes.shown[0], audience="site", account_id="USR-2")
    assert other not in codes.digests


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "abcde-fghj",
        "abcde-fghjk",
        "abcde-fghjk-mnpqr-stuvw-xyz",
        "abcde-fghjk-mnpqr-stuvw-xyz23",
        "abcde-fghjk-mnpqr-stuvw-xyz0",
        "x" * 100,
    ],
)
def test_what_cannot_be_a_recovery_code_has_no_digest(typed: str) -> None:
    """Wrong length, a symbol outside the alphabet or a flood of text is refused."""
    assert normalize_recovery_code(typed) is None
    assert recovery_code_digest(typed, audience="site", account_id="USR-1") is None


def test_a_key_ring_opens_what_an_older_key_sealed() -> None:
    """A secret sealed before a new key became active opens with the new ring."""
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    key_id, sealed = KeyRing({"old": old}, "old", purpose="test").seal(b"secret", b"owner")
    rotated = KeyRing({"old": old, "new": new}, "new", purpose="test")
    assert rotated.open(key_id, sealed, b"owner") == b"secret"


def test_a_key_ring_without_the_sealing_key_names_the_missing_key() -> None:
    """A secret sealed under a key no longer configured names that key in the error."""
    key_id, sealed = KeyRing({"k2": bytes(32)}, "k2", purpose="test").seal(b"secret", b"owner")
    with pytest.raises(UnknownKey, match="k2"):
        KeyRing({"k1": bytes(32)}, "k1", purpose="test").open(key_id, sealed, b"owner")


def test_a_key_narrowed_to_one_purpose_does_not_open_another_purpose() -> None:
    """The same configured key sealing for one purpose cannot open what it sealed for another."""
    key_id, sealed = KeyRing({"k": bytes(32)}, "k", purpose="one").seal(b"secret", b"owner")
    with pytest.raises(InvalidTag):
        KeyRing({"k": bytes(32)}, "k", purpose="two").open(key_id, sealed, b"owner")


def test_the_code_steps_rule_refuses_past_100_failures_however_long_ago() -> None:
    """From the 100th wrong code in a row on, the rule names no wait that ends, days later too."""
    assert SECOND_FACTOR.wait(99, timedelta(days=30)) is None
    assert SECOND_FACTOR.wait(100, timedelta(days=30)) == UNTIL_CLEARED
