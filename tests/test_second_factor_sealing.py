"""Second-factor secrets sealed at rest on the real Commerce store: never in clear, opened
after a key rotation, and only for the account they were sealed for."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from accounts.totp import base32_secret, new_secret
from plumbing.stores import Stores
from tests.test_second_factors import AT, SESSION, STEP, enrolled, factors, signs_in, staff_id


async def test_the_secret_is_not_stored_in_clear(stores: Stores) -> None:
    """The row holds the key's id and sealed bytes, neither the secret nor its base32."""
    store, account_id = factors(stores), staff_id()
    secret, _ = await enrolled(store, account_id)
    row = await stores.commerce.fetchrow(
        "SELECT key_id, sealed_secret FROM totp_factors WHERE account_id = $1", account_id
    )
    assert row is not None
    assert row["key_id"] == "old"
    assert secret not in row["sealed_secret"]
    assert base32_secret(secret).encode() not in row["sealed_secret"]


async def test_a_rotated_key_still_opens_what_the_old_one_sealed(stores: Stores) -> None:
    """With a new active key beside the old one, the old factor's codes still work and a new
    enrolment is sealed under the new key."""
    account_id, other = staff_id(), staff_id()
    secret, _ = await enrolled(factors(stores, "old"), account_id)
    rotated = factors(stores, "new")
    assert await signs_in(rotated, account_id, secret, AT + 2 * STEP)
    await rotated.begin_enrolment("staff", other, new_secret(), SESSION)
    key_id = await stores.commerce.fetchval(
        "SELECT key_id FROM totp_factors WHERE account_id = $1", other
    )
    assert key_id == "new"


async def test_a_sealed_secret_opens_only_for_its_account(stores: Stores) -> None:
    """Sealed bytes copied into another account's row fail to open."""
    store, account_id, other = factors(stores), staff_id(), staff_id()
    await store.begin_enrolment("staff", account_id, new_secret(), SESSION)
    await stores.commerce.execute(
        """INSERT INTO totp_factors (audience, account_id, key_id, sealed_secret, session_hash)
           SELECT audience, $2, key_id, sealed_secret, session_hash
           FROM totp_factors WHERE account_id = $1""",
        account_id,
        other,
    )
    with pytest.raises(InvalidTag):
        await store.pending_secret("staff", other, SESSION)
