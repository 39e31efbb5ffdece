"""Time-based one-time passwords (RFC 6238) with the parameters every authenticator app reads:
HMAC-SHA1, a 30-second step, 6 digits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
import unicodedata
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote, urlencode

import segno

STEP_SECONDS = 30
DIGITS = 6
# RFC 4226 asks for at least 128 bits and recommends 160, the length of an SHA-1 block output.
SECRET_BYTES = 20
# A phone's clock a little off, or a code typed just as it turned: one step either side.
DRIFT_STEPS = 1

_CODE = re.compile(r"[0-9]{6}")
# Far longer than any code with spaces in it; refused before any work is spent on it.
_MAX_TYPED = 64


def new_secret() -> bytes:
    """A fresh random 160-bit secret."""
    return secrets.token_bytes(SECRET_BYTES)


def base32_secret(secret: bytes) -> str:
    """The secret as authenticator apps take it: base32, upper case, without padding."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def setup_key(secret: bytes) -> str:
    """The base32 secret in groups of four, for reading and typing by hand; apps ignore the
    spaces, and the same key without them is accepted too."""
    key = base32_secret(secret)
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def provisioning_uri(secret: bytes, *, issuer: str, account: str) -> str:
    """The `otpauth://` URI an app scans: the label `issuer:account`, each part
    percent-encoded, and the parameters spelled out for apps that assume nothing."""
    label = f"{quote(issuer, safe='')}:{quote(account, safe='')}"
    query = urlencode(
        {
            "secret": base32_secret(secret),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        # %20 rather than "+": some apps show a "+" in the issuer's name literally.
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str, *, title: str) -> str:
    """The URI as a QR code in an SVG element to put inline in a page; `title` is its
    accessible name (the URI holds the secret, so it never goes there)."""
    code = segno.make(uri, error="m", micro=False)
    return code.svg_inline(scale=4, title=title, svgclass="totp-qr")


def time_step(at: datetime) -> int:
    """The RFC 6238 time step `at` falls in."""
    if at.tzinfo is None:
        # A naive time would be read in the host's zone: off by hours, and silently.
        raise ValueError("an aware datetime is needed")
    return int(at.timestamp()) // STEP_SECONDS


def code_at_step(secret: bytes, step: int) -> str:
    """The code of one time step (RFC 4226's HOTP with the step as the counter)."""
    digest = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    (number,) = struct.unpack(">I", digest[offset : offset + 4])
    return str((number & 0x7FFFFFFF) % 10**DIGITS).zfill(DIGITS)


def typed_code(typed: str) -> str | None:
    """The six digits of what was typed, spaces and full-width digits allowed; None when it
    is anything but six digits."""
    if len(typed) > _MAX_TYPED:
        return None
    # NFKC turns the full-width digits a Japanese input method types into ASCII ones.
    code = "".join(unicodedata.normalize("NFKC", typed).split())
    return code if _CODE.fullmatch(code) else None


def verify(secret: bytes, typed: str, *, at: datetime, last_step: int | None) -> int | None:
    """The time step the typed code belongs to, within one step of `at`'s, and later than
    `last_step` (the step of the code accepted last): the caller stores it, so the same
    code, or an older one, never works twice. None when the code does not match."""
    code = typed_code(typed)
    if code is None:
        return None
    now = time_step(at)
    matched = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if step < 0 or (last_step is not None and step <= last_step):
            continue
        # Every candidate is computed and compared, in constant time, whichever matches.
        if hmac.compare_digest(code_at_step(secret, step), code):
            matched = step
    return matched


def code_check(typed: str, *, at: datetime) -> Callable[[bytes, int | None], int | None]:
    """verify() for this typed code and time, left to run on a secret a store holds sealed."""

    def check(secret: bytes, last_step: int | None) -> int | None:
        return verify(secret, typed, at=at, last_step=last_step)

    return check
