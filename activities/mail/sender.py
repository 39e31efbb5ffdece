"""Emails to requesters and the Sales inbox, sent at most once per onboarding, kind and sequence."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from temporalio import activity

from accounts.tokens import new_token, token_hash
from activities.mail.attempt import answer_wait, attempt_deadline
from activities.mail.beats import heartbeat, heartbeating_if_slow
from activities.mail.ceiling import wait_for_place
from activities.mail.mime import Outgoing, compose
from activities.mail.smtp import SmtpSessions
from activities.mail.templates import RenderedEmail, render_email
from activities.models import EmailKind, EmailLink, SendEmailInput
from commerce.accounts import LinkGrant
from commerce.outbox import EmailOutbox, OutboxEmail

MARK_SENT_FIRST_DELAY = 0.2
MARK_SENT_MAX_DELAY = 5.0
# How long a closing worker waits, after its shutdown grace, for the sends under way; the
# deployment's stop period leaves room for both (tests/test_compose_replicas.py).
CLOSE_WAIT = 8.0
# Sent emails kept for a later attempt to record: an attempt that completed has none, so
# without a bound the ones whose record gave up would stay for the process's life.
UNRECORDED_KEPT = 1000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    smtp_host: str
    smtp_port: int
    sender: str
    store_name: str
    store_url: str
    # For connecting; also the least time an attempt must have left to wait for an answer.
    smtp_timeout: float = 10.0
    # Each send holds a store connection until SMTP answers; a hung SMTP server must not
    # take every connection the other activities need.
    concurrent_sends: int = 4
    activation_lifetime: timedelta = timedelta(days=7)
    reset_lifetime: timedelta = timedelta(hours=1)
    # Acknowledgements the shop sends per hour at most (0: no ceiling); see ceiling.py.
    acknowledgements_per_hour: int = 0


def message_id(data: SendEmailInput, domain: str) -> str:
    """Stable per onboarding and kind, so receivers and our outbox can recognise a repeat."""
    suffix = f".{data.sequence}" if data.sequence else ""
    return f"<{data.reference}.{data.kind.value}{suffix}@{domain}>"


def link_of(data: SendEmailInput) -> EmailLink | None:
    """The one-time link the email carries. Approval emails of runs started before links had
    their own field name only the new site user."""
    if data.link is None and data.kind is EmailKind.APPROVED and data.site_user_id:
        return EmailLink(
            audience="site", account_id=data.site_user_id, purpose="activation", path="/activate"
        )
    return data.link


class EmailActivities:
    def __init__(
        self,
        outbox: EmailOutbox,
        mail: MailSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._outbox = outbox
        self._mail = mail
        # Whose hour an acknowledgement's place counts in.
        self._clock = clock
        self._domain = mail.sender.rpartition("@")[2]
        self._smtp = SmtpSessions(mail.smtp_host, mail.smtp_port, mail.smtp_timeout)
        self._send_slots = asyncio.Semaphore(mail.concurrent_sends)
        # The send under way for each Message-ID, also one whose attempt was cancelled and
        # finishes on its own: a later attempt of the same email joins it.
        self._sending: dict[str, asyncio.Future[None]] = {}
        # Emails the SMTP server took whose record failed until their attempt's time was up:
        # a later attempt of the email in this process (a retry of a cancelled one, or one that
        # joined it) records them instead of sending them again.
        self._unrecorded: dict[str, tuple[OutboxEmail, LinkGrant | None]] = {}

    async def close(self, within: float = CLOSE_WAIT) -> None:
        """Wait a bounded time for the sends still under way, then close the SMTP sessions."""
        if self._sending:
            _, unfinished = await asyncio.wait(list(self._sending.values()), timeout=within)
            if unfinished:
                # Cut off now, an email the server takes may go out again on another worker.
                log.warning("closing with %d email sends unfinished", len(unfinished))
        if self._unrecorded:
            log.error("closing with %d sent emails unrecorded", len(self._unrecorded))
        await self._smtp.close()

    def render(self, data: SendEmailInput, token: str | None = None) -> RenderedEmail:
        context = {
            **data.context,
            "reference": data.reference,
            "store_name": self._mail.store_name,
            "store_url": self._mail.store_url.rstrip("/"),
        }
        link = link_of(data)
        if link is not None and token is not None:
            context["sign_in_url"] = f"{context['store_url']}{link.path}?token={token}"
        return render_email(data.kind, data.locale, context)

    def _grant(self, data: SendEmailInput) -> tuple[str | None, LinkGrant | None]:
        """A new token for the email's link, and what the store keeps of it."""
        link = link_of(data)
        if link is None:
            return None, None
        token = new_token()
        lifetime = (
            self._mail.activation_lifetime
            if link.purpose == "activation"
            else self._mail.reset_lifetime
        )
        grant = LinkGrant(
            audience=link.audience,
            account_id=link.account_id,
            purpose=link.purpose,
            token_hash=token_hash(token),
            lifetime=lifetime,
        )
        return token, grant

    @activity.defn
    async def send_email(self, data: SendEmailInput) -> str:
        """Send one email unless the outbox says it went out already; returns its Message-ID."""
        msg_id = message_id(data, self._domain)
        # Shielded: an attempt Temporal cancels (its call's time up, its workflow task lost,
        # a worker shutting down) still hears the server's answer and records it, within its
        # own deadlines. Its retry in this process joins that send rather than start another:
        # the outbox's row is not locked while a record is retried through a store outage.
        # Only the process's death leaves a taken email unrecorded.
        while (running := self._sending.get(msg_id)) is not None and not running.done():
            # The send beats for the attempt that started it: this one beats for itself.
            async with heartbeating_if_slow(msg_id):
                await asyncio.shield(running)
            if msg_id not in self._unrecorded:
                return msg_id
            # It gave up recording at its attempt's deadline: this attempt records it in its own.
        sending = asyncio.ensure_future(self._send_or_record(msg_id, data))
        self._sending[msg_id] = sending
        sending.add_done_callback(functools.partial(self._ended, msg_id))
        await asyncio.shield(sending)
        return msg_id

    def _ended(self, msg_id: str, sending: asyncio.Future[None]) -> None:
        if self._sending.get(msg_id) is sending:
            del self._sending[msg_id]
        # Read here, so that a send whose attempt was cancelled and that no retry joined does
        # not leave its failure unread; the attempts that awaited it report it themselves.
        if not sending.cancelled():
            sending.exception()

    async def _send_or_record(self, msg_id: str, data: SendEmailInput) -> None:
        """Record an email this process sent but could not record before; else send it."""
        if unrecorded := self._unrecorded.pop(msg_id, None):
            await self._mark_sent(*unrecorded, attempt_deadline())
            return
        per_hour = self._mail.acknowledgements_per_hour
        if data.kind is EmailKind.ACKNOWLEDGEMENT and per_hour:
            await wait_for_place(self._outbox, msg_id, per_hour, self._clock())
        # Each attempt makes its own token: only the attempt whose send is recorded issues it.
        token, grant = self._grant(data)
        rendered = self.render(data, token)
        entry = OutboxEmail(
            msg_id, data.reference, data.kind.value, data.sequence, data.to, rendered.subject
        )
        await self._send_once(entry, grant, self._message(msg_id, data.to, rendered))

    async def _send_once(
        self, entry: OutboxEmail, grant: LinkGrant | None, message: Outgoing
    ) -> None:
        """Send the email and record it, unless the outbox says it went out already."""
        accepted = False
        try:
            async with self._send_slots, self._outbox.sending(entry, grant) as sent_before:
                if sent_before:
                    return
                # The server's answer is awaited as long as the attempt can still record it
                # afterwards, not for a fixed SMTP timeout: a server that took the email but
                # answered late (a busy one) would otherwise fail the attempt, and its retry
                # would send the email again. RFC 5321 (4.5.3.2.6) asks for minutes here.
                deadline = attempt_deadline()
                wait = answer_wait(deadline, self._mail.smtp_timeout)
                async with heartbeating_if_slow(entry.message_id), asyncio.timeout(wait):
                    await self._smtp.send(message)
                accepted = True
        except Exception:
            if not accepted:
                raise
            # SMTP took the email but the outbox's commit failed: the email must not go twice.
            await self._mark_sent(entry, grant, deadline)

    def _message(self, msg_id: str, to: str, rendered: RenderedEmail) -> Outgoing:
        return compose(
            sender=self._mail.sender,
            sender_name=self._mail.store_name,
            to=to,
            subject=rendered.subject,
            message_id=msg_id,
            text=rendered.text,
            html=rendered.html,
        )

    async def _mark_sent(
        self, entry: OutboxEmail, grant: LinkGrant | None, deadline: float
    ) -> None:
        # The email is out: failing now would make Temporal retry and send it again. So every
        # failure to record it, not only a known kind of outage, is retried on a new
        # connection until this attempt's time is nearly up (its reserve, attempt.py); past
        # it, Temporal would cut the attempt off unrecorded and unfinished.
        delay = MARK_SENT_FIRST_DELAY
        while True:
            try:
                await self._outbox.mark_sent(entry, grant)
                return
            except Exception as err:
                if time.monotonic() + delay >= deadline:
                    # Better unrecorded than sent twice: the next attempt records it.
                    log.error("sent %s but could not record it: %r", entry.message_id, err)
                    if len(self._unrecorded) >= UNRECORDED_KEPT:  # the oldest goes
                        self._unrecorded.pop(next(iter(self._unrecorded)))
                    self._unrecorded[entry.message_id] = (entry, grant)
                    return
                log.warning("sent %s; recording it failed, retrying: %r", entry.message_id, err)
            heartbeat(entry.message_id)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MARK_SENT_MAX_DELAY)
