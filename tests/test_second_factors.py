"""The second-factor store on the real Commerce store: enrolment, codes used once, recovery
codes and reset (secrets sealed at rest: test_second_factor_sealing.py)."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from accounts.recovery_codes import RecoveryCodes, new_recovery_codes, recovery_code_digest
from accounts.sealing import KeyRing
from accounts.totp import code_at_step, code_check, new_secret, time_step
from commerce.second_factors import SecondFactors
from commerce.store import PartnerApproval
from domain.audience import Audience
from domain.outcomes import CreditLimit
from plumbing.stores import Stores
from tests.factories import make_request

PURPOSE = "second-factor secrets"
OLD_KEY, NEW_KEY = secrets.token_bytes(32), secrets.token_bytes(32)
AT = datetime(2026, 5, 1, 9, 0, 10, tzinfo=UTC)
STEP = timedelta(seconds=30)
# The hash of the session that begins an enrolment.
SESSION = "session-hash-1"


def ring(active: str = "old") -> KeyRing:
    keys = {"old": OLD_KEY, "new": NEW_KEY} if active == "new" else {"old": OLD_KEY}
    return KeyRing(keys, active, purpose=PURPOSE)


def factors(stores: Stores, active: str = "old") -> SecondFactors:
    return stores.commerce_store().second_factors(ring(active))


def staff_id() -> str:
    return f"STF-{uuid.uuid4().hex}"


def code(secret: bytes, at: datetime = AT) -> str:
    return code_at_step(secret, time_step(at))


async def enrolled(
    store: SecondFactors, account_id: str, audience: Audience = "staff"
) -> tuple[bytes, RecoveryCodes]:
    """An account with a verified factor, confirmed at AT; its secret and recovery codes."""
    secret = new_secret()
    assert await store.begin_enrolment(audience, account_id, secret, SESSION)
    codes = new_recovery_codes(audience=audience, account_id=account_id)
    check = code_check(code(secret), at=AT)
    assert await store.confirm_enrolment(audience, account_id, check, codes.digests)
    return secret, codes


async def signs_in(store: SecondFactors, account_id: str, secret: bytes, at: datetime) -> bool:
    """Whether the staff account's code of `at`, typed at `at`, is accepted."""
    return await store.verify_code("staff", account_id, code_check(code(secret, at), at=at))


async def test_a_confirmed_enrolment_is_a_verified_factor(stores: Stores) -> None:
    """The app's first code verifies the factor, and its ten recovery codes are kept."""
    store, account_id = factors(stores), staff_id()
    await enrolled(store, account_id)
    assert await store.has_verified_factor("staff", account_id)
    assert await store.recovery_codes_left("staff", account_id) == 10


async def test_a_wrong_code_leaves_the_enrolment_pending(stores: Stores) -> None:
    """A code of another secret confirms nothing, and the same secret stays to retry with."""
    store, account_id = factors(stores), staff_id()
    secret = new_secret()
    await store.begin_enrolment("staff", account_id, secret, SESSION)
    check = code_check(code(new_secret()), at=AT)
    assert not await store.confirm_enrolment("staff", account_id, check, [])
    assert not await store.has_verified_factor("staff", account_id)
    assert await store.pending_secret("staff", account_id, SESSION) == secret


async def test_enrolment_begun_again_replaces_the_pending_secret(stores: Stores) -> None:
    """A second start replaces a pending secret; the first one's code no longer confirms."""
    store, account_id = factors(stores), staff_id()
    first, second = new_secret(), new_secret()
    await store.begin_enrolment("staff", account_id, first, SESSION)
    assert await store.begin_enrolment("staff", account_id, second, SESSION)
    assert await store.pending_secret("staff", account_id, SESSION) == second
    check = code_check(code(first), at=AT)
    assert not await store.confirm_enrolment("staff", account_id, check, [])


async def test_a_pending_secret_is_shown_only_to_the_session_that_began_it(
    stores: Stores,
) -> None:
    """Another session of the account finds no pending secret to show: it begins its own."""
    store, account_id = factors(stores), staff_id()
    await store.begin_enrolment("staff", account_id, new_secret(), SESSION)
    assert await store.pending_secret("staff", account_id, "another-session-hash") is None


async def test_enrolment_is_refused_while_a_verified_factor_exists(stores: Stores) -> None:
    """A verified factor is not replaced by starting over; its codes still work."""
    store, account_id = factors(stores), staff_id()
    secret, _ = await enrolled(store, account_id)
    assert not await store.begin_enrolment("staff", account_id, new_secret(), SESSION)
    assert await signs_in(store, account_id, secret, AT + STEP)


async def test_a_sign_in_code_works_once(stores: Stores) -> None:
    """A fresh code is accepted; the same code again, in its window, is refused."""
    store, account_id = factors(stores), staff_id()
    secret, _ = await enrolled(store, account_id)
    assert await signs_in(store, account_id, secret, AT + 2 * STEP)
    assert not await signs_in(store, account_id, secret, AT + 2 * STEP)


async def test_the_enrolment_code_cannot_sign_in(stores: Stores) -> None:
    """The code that confirmed the enrolment is spent already."""
    store, account_id = factors(stores), staff_id()
    secret, _ = await enrolled(store, account_id)
    assert not await signs_in(store, account_id, secret, AT)


async def test_a_pending_factor_signs_nobody_in(stores: Stores) -> None:
    """Until confirmed, a factor's codes are no second factor."""
    store, account_id = factors(stores), staff_id()
    secret = new_secret()
    await store.begin_enrolment("staff", account_id, secret, SESSION)
    assert not await signs_in(store, account_id, secret, AT)


async def test_two_uses_of_one_code_at_once_give_one_success(stores: Stores) -> None:
    """Both uses read the factor before either writes: only one of them is accepted."""
    store, account_id = factors(stores), staff_id()
    secret, _ = await enrolled(store, account_id)
    later = AT + 2 * STEP
    checked = [asyncio.Event(), asyncio.Event()]

    def use(n: int) -> asyncio.Task[bool]:
        inner = code_check(code(secret, later), at=later)

        def check(opened: bytes, last_step: int | None) -> int | None:
            checked[n].set()
            return inner(opened, last_step)

        return asyncio.create_task(store.verify_code("staff", account_id, check))

    async with stores.commerce.acquire() as conn, conn.transaction():
        # The row locked here holds both uses' updates back until each has checked its code.
        await conn.execute(
            "SELECT 1 FROM totp_factors WHERE audience = 'staff' AND account_id = $1 FOR UPDATE",
            account_id,
        )
        uses = [use(0), use(1)]
        await asyncio.gather(*(event.wait() for event in checked))
    assert sorted(await asyncio.gather(*uses)) == [False, True]


async def test_a_recovery_code_works_once(stores: Stores) -> None:
    """A recovery code signs in once, typed any way; the next try with it is refused."""
    store, account_id = factors(stores), staff_id()
    _, codes = await enrolled(store, account_id)
    typed = codes.shown[3].upper().replace("-", " ")
    digest = recovery_code_digest(typed, audience="staff", account_id=account_id)
    assert digest is not None
    assert await store.use_recovery_code("staff", account_id, digest)
    assert not await store.use_recovery_code("staff", account_id, digest)
    assert await store.recovery_codes_left("staff", account_id) == 9


async def test_a_recovery_code_of_another_account_is_refused(stores: Stores) -> None:
    """One account's recovery code does nothing for another's."""
    store, mine, theirs = factors(stores), staff_id(), staff_id()
    await enrolled(store, mine)
    _, their_codes = await enrolled(store, theirs)
    digest = recovery_code_digest(their_codes.shown[0], audience="staff", account_id=mine)
    assert digest is not None
    assert not await store.use_recovery_code("staff", mine, digest)


async def test_reset_removes_the_factor_and_its_recovery_codes(stores: Stores) -> None:
    """After a reset there is no factor, no recovery code works, and enrolment starts anew."""
    store, account_id = factors(stores), staff_id()
    _, codes = await enrolled(store, account_id)
    assert await store.reset("staff", account_id)
    assert not await store.has_verified_factor("staff", account_id)
    assert not await store.use_recovery_code("staff", account_id, codes.digests[0])
    assert await store.begin_enrolment("staff", account_id, new_secret(), SESSION)


async def test_erasing_an_onboarding_erases_its_users_factors(stores: Stores) -> None:
    """The approved requester's factor and recovery codes go with the onboarding."""
    commerce = stores.commerce_store()
    ids = {name: f"{name}-{uuid.uuid4().hex}" for name in ("PRO", "B2B", "CUS", "ORG", "USR")}
    request = make_request("en")
    await commerce.prospects.record(ids["PRO"], ids["B2B"], request, AT)
    await commerce.customers.create_pair(ids["PRO"], ids["CUS"], ids["ORG"], "C", "A", request)
    approval = PartnerApproval(
        prospect_id=ids["PRO"],
        hierarchy_id=f"HIER-{ids['ORG']}",
        name="Contoso Ltd",
        organization_customer_id=ids["ORG"],
        admin_customer_id=ids["CUS"],
        credit_limit=CreditLimit(amount=Decimal("1000"), currency="JPY"),
        site_user_id=ids["USR"],
        email=request.contact.email,
    )
    await commerce.approve_partner(approval)
    store = commerce.second_factors(ring())
    await enrolled(store, ids["USR"], "site")
    assert await commerce.erase(ids["B2B"])
    assert not await store.has_verified_factor("site", ids["USR"])
    left = "SELECT count(*) FROM recovery_codes WHERE account_id = $1"
    assert await stores.commerce.fetchval(left, ids["USR"]) == 0
