"""Every Commerce write of the onboarding's steps, and every email, run twice with the same
input leaves the same rows and sends one email."""

from __future__ import annotations

import asyncio
import contextvars

from activities.models import EmailKind
from activities.onboarding_models import CloseProspectInput
from commerce.outbox import EmailOutbox, OutboxEmail
from devstack.smtp import SmtpSink
from domain.outcomes import EMAIL_HELD, ProspectStatus
from tests import rows
from tests.attempt_envs import attempt_env
from tests.onboarding_writes import (
    Onboarding,
    approval_of,
    assert_repeat_changes_nothing,
    onboarding,  # noqa: F401 (the fixture `o`)
)


async def test_record_prospect_twice(o: Onboarding) -> None:
    """A repeated prospect write keeps one pending prospect."""
    await assert_repeat_changes_nothing(o, o.record)
    prospect = await rows.prospect(o.stores, o.reference)
    assert prospect is not None
    assert prospect["status"] == "pending"


async def test_close_prospect_twice(o: Onboarding) -> None:
    """A repeated approval keeps the prospect approved."""
    await o.record()

    async def approve() -> None:
        await o.commerce.close_prospect(
            CloseProspectInput(prospect_id=o.prospect_id, status=ProspectStatus.APPROVED)
        )

    await assert_repeat_changes_nothing(o, approve)


async def test_create_customers_twice(o: Onboarding) -> None:
    """A repeated customer write keeps one person and one organization."""
    await o.record()
    await assert_repeat_changes_nothing(o, o.customers)
    commerce = await rows.commerce_rows(o.stores, o.ids)
    assert [c["customer_type"] for c in commerce["customers"]] == ["organization", "person"]


async def test_approve_partner_twice(o: Onboarding) -> None:
    """A repeated approval keeps one approved prospect, hierarchy, limit and invited user."""
    await o.record()
    await o.customers()

    async def approve() -> None:
        await o.commerce.approve_partner(approval_of(o, o.request.contact.email))

    await assert_repeat_changes_nothing(o, approve)
    commerce = await rows.commerce_rows(o.stores, o.ids)
    prospect = await rows.prospect(o.stores, o.reference)
    assert prospect is not None
    assert prospect["status"] == "approved"
    assert [u["status"] for u in commerce["site_users"]] == ["invited"]


async def test_approve_partner_is_all_or_nothing(o: Onboarding) -> None:
    """When the admin's email already has a site user, the approval only marks the prospect
    blocked: no hierarchy, credit limit or site user is left behind."""
    taken = Onboarding(o.stores, o.settings)
    await taken.record()
    await taken.customers()
    await taken.commerce.approve_partner(approval_of(taken, taken.request.contact.email))
    await o.record()
    await o.customers()
    before = await o.snapshot()
    approved = await o.commerce.approve_partner(approval_of(o, taken.request.contact.email.upper()))
    assert approved is False
    prospect, *rest = await o.snapshot()
    assert prospect == {**before[0], "status": "approval_blocked", "status_reason": EMAIL_HELD}
    assert rest == list(before[1:])
    await taken.email.close()


async def test_send_email_twice_sends_once(o: Onboarding, smtp: SmtpSink) -> None:
    """A repeated email activity finds the outbox entry and sends nothing more."""
    email = o.email_of(EmailKind.ACKNOWLEDGEMENT)
    env = attempt_env()
    first = await env.run(o.email.send_email, email)
    second = await env.run(o.email.send_email, email)
    assert first == second == f"<{o.reference}.acknowledgement@shop.example>"
    assert [m["Message-ID"] for m in smtp.messages_to(o.request.contact.email)] == [first]
    assert [(r["kind"], r["sent"]) for r in await rows.outbox(o.stores, o.reference)] == [
        ("acknowledgement", True)
    ]


async def test_two_attempts_at_once_send_once(o: Onboarding, smtp: SmtpSink) -> None:
    """A stale attempt still running beside its retry: the outbox lets one of them send."""
    email = o.email_of(EmailKind.REJECTED)
    env = attempt_env()
    first, second = await asyncio.gather(
        env.run(o.email.send_email, email), env.run(o.email.send_email, email)
    )
    assert first == second
    assert [m["Message-ID"] for m in smtp.messages_to(o.request.contact.email)] == [first]


async def test_an_attempt_begun_before_another_sent_finds_it_sent(o: Onboarding) -> None:
    """An attempt begun before another's send, reaching the outbox after it, finds it sent."""
    db = o.stores.commerce
    outbox = EmailOutbox(db)
    entry = OutboxEmail(
        f"<{o.reference}.rejected@shop.example>",
        o.reference,
        "rejected",
        0,
        o.request.contact.email,
        "Your request",
    )

    async def other_attempt() -> bool:
        async with outbox.sending(entry) as sent_before:
            return sent_before

    async with db.transaction():
        await db.fetchval("SELECT 1")  # this attempt's transaction has begun
        # A fresh context: the other attempt takes its own connection, not this transaction's.
        other = asyncio.create_task(other_attempt(), context=contextvars.Context())
        assert await other is False
        async with outbox.sending(entry) as sent_before:
            assert sent_before is True


async def test_an_email_recorded_under_another_message_id_counts_as_sent(o: Onboarding) -> None:
    """The same email (reference, kind, sequence) under another Message-ID, as after a change
    of the mail domain: sent before, not a failed attempt."""
    db = o.stores.commerce
    outbox = EmailOutbox(db)

    def entry(domain: str) -> OutboxEmail:
        return OutboxEmail(
            f"<{o.reference}.rejected@{domain}>",
            o.reference,
            "rejected",
            0,
            o.request.contact.email,
            "Your request",
        )

    async with outbox.sending(entry("old.example")) as sent_before:
        assert sent_before is False
    async with outbox.sending(entry("shop.example")) as sent_before:
        assert sent_before is True
    assert [(r["kind"], r["sent"]) for r in await rows.outbox(o.stores, o.reference)] == [
        ("rejected", True)
    ]
