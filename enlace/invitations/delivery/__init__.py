"""Deliver invitation emails and reminders in chunks over one connection, and record each outcome.

How nothing is lost, nothing is sent by two workers, and nothing is sent three times
------------------------------------------------------------------------------------
A delivery task carries a chunk of [id, generation] pairs. For each invitation the worker:

1. claims it with one conditional UPDATE: the invitation still wants this email (state `queued`
   for an invitation; for a reminder, `sent`, unused, not yet reminded), it is the same
   generation, and nobody holds a fresh claim on it. The UPDATE sets `sending_at`. Only the
   worker whose UPDATE changed the row sends, so two workers never send the same message, even
   when the same invitation sits in two tasks (a retry, a task taken back from a dead worker);
2. hands the message to the server;
3. records the server's answer before the next message can be accepted: `sent` with the time and
   an audit event, `failed` with a 5xx answer and an audit event, or back to waiting
   (`sending_at` cleared) for a temporary failure.

Steps 3 of one message and 1 of the next are one transaction. Over SMTP the message is prepared
and transmitted while that transaction runs, all but the final "." that ends it, which goes only
once the transaction has committed (enlace.mail.smtp, whose SMTP thread holds the connection).
So at most one message is ever accepted by the server and not yet recorded, and at most one
invitation holds a claim.

A worker killed between 1 and 3 leaves `sending_at` set and its task RUNNING. Every worker beats
a heartbeat; the recovery step of `enlace worker` (enlace.worker.recovery) queues a task again when
its worker's heartbeat is older than the lease (MAIL_LEASE_SECONDS). When the task runs again,
the claims older than the lease are stale: the message may have reached the server before the
crash, so the claim counts one interrupted send (`interrupted_sends`) and sends again: that is
the one duplicate allowed. A second stale claim means two copies may be out already: rather than
risk a third, the invitation fails with a reason that says so, and the admin can resend it.
A claim that is not yet stale is left alone and that invitation retried after the lease.

Temporary failures (connection refused or dropped, timeouts, any 4xx, 5xx at the connection
level) re-enqueue a task for the invitations concerned, with `run_after` doubling from
MAIL_RETRY_SECONDS; after MAIL_MAX_ATTEMPTS they fail with the last reason and the number of
attempts, which is the invitation's `delivery_attempts`. A 5xx answer for the recipient or the
message fails only that invitation. A 421 closes the connection: the message it answered waits
for a retry of its own, and the rest of the chunk, untouched (no attempt counted, no reason
written), goes on at once over a new connection, so that one recipient's 421 never holds up the
others. Only when the server refuses us (it refuses the connection itself, or two connections in
a row deliver nothing) does the rest wait for the retry, each with that attempt counted. An
organization with a sending rate gets the rest of its chunk deferred with `run_after`, so the
worker moves on to other organizations' mail instead of sleeping.

On PostgreSQL the chunk's transactions commit without waiting for the server's disk
(`synchronous_commit = off`). A worker killed after a commit loses nothing by it: the server
has the commit. Only a crash of the database server itself can lose the last records (up to
three times wal_writer_delay, 0.6 s by default: a few hundred messages at full speed), and then
the invitations concerned look claimed or queued and are sent once more: duplicates, never a
loss. The setting is the session's for the length of a chunk, so a pooler that shares server
sessions between clients (PgBouncer in transaction mode) must not stand between the worker and
PostgreSQL.
"""

import collections
import contextlib
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from enlace.audit.models import AuditEvent
from enlace.invitations.delivery.database import commits_without_waiting_for_disk, short_lock_waits, writing
from enlace.invitations.delivery.records import (
    INVITATION,
    REMINDED,
    REMINDER,
    Audit,
    Held,
    claim,
    count_attempt,
    fail,
    give_up,
    lease,
    let_go,
    record_failed,
    record_sent,
    record_sent_and_claim,
    release,
    wants,
)
from enlace.invitations.emails import invitation_email, reminder_email
from enlace.invitations.models import Invitation, SendingSchedule
from enlace.mail.channels import (
    SMTP_BACKEND,
    BackendChannel,
    PermanentFailure,
    SMTPChannel,
    TemporaryFailure,
    withdraw,
)
from enlace.worker.shutdown import stopping

__all__ = [
    "INVITATION",
    "REMINDED",
    "REMINDER",
    "PermanentFailure",
    "TemporaryFailure",
    "claim",
    "deliver_chunk",
    "fail",
    "give_up",
    "lease",
    "record_failed",
    "record_sent",
    "record_sent_and_claim",
    "release",
    "reserve_sending_slot",
    "retry_delay",
]

logger = logging.getLogger(__name__)


# What sending needs of an invitation and its user: loading only these halves a chunk's load.
CHUNK_FIELDS = (
    "organization",
    "user",
    "partner",
    "kind",
    "email",
    "first_name",
    "last_name",
    "language",
    "secret_salt",
    "generation",
    "expires_at",
    "user__username",
    "user__password",
    "user__temporary_password_expires_at",
    "user__account",
    "user__email",
    "delivery_attempts",  # what the reason of a final failure counts
)


def retry_delay(attempt: int) -> timedelta:
    """1, 2, 4, 8 ... times MAIL_RETRY_SECONDS after the first, second, third ... attempt; at most a day."""
    base = getattr(settings, "MAIL_RETRY_SECONDS", 60)
    return timedelta(seconds=min(base * 2 ** (attempt - 1), 86400))


def deliver_chunk(pairs, *, requeue, purpose: str = INVITATION, attempt: int = 1) -> dict:
    """Send the emails of a chunk of invitations named by (id, generation) pairs.

    An invitation resent since (a newer generation), revoked, expired or already handled is
    skipped: whoever changed it queued the right message, if any. What must be tried again
    later goes back to the queue through `requeue(pairs, purpose=, attempt=, run_after=)`.
    """
    wanted = {int(pk): int(generation) for pk, generation in pairs}
    invitations = [
        inv
        # A chunk's invitations mostly share their organization and partner: fetched once each.
        # Only those still wanting the email: a task taken back from a dead worker names many
        # already sent, and a claim refused after the SMTP conversation began costs a reconnect.
        for inv in Invitation.objects.filter(wants(purpose, timezone.now()), pk__in=wanted)
        .select_related("user")
        .prefetch_related("organization", "partner")
        .only(*CHUNK_FIELDS)
        .order_by("pk")
        if inv.generation == wanted[inv.pk]
    ]
    # Whether each activation's person joins an account they have: asked once for the chunk.
    get_user_model().look_up_accounts_elsewhere(inv.user for inv in invitations if inv.user_id)
    run = _ChunkRun(purpose=purpose, attempt=attempt, requeue=requeue)
    run.outcome["skipped"] = len(wanted) - len(invitations)
    with commits_without_waiting_for_disk():
        try:
            with short_lock_waits():
                run.deliver(invitations)
        except BaseException:
            # Stopped by force (a second SIGTERM, Ctrl+C) or by an error: what is not sent yet
            # goes back to the queue now, rather than wait for the sweep of stranded invitations.
            run.close()
            run.hand_back(run.unfinished())
            with contextlib.suppress(Exception):
                run.schedule_leftovers()
            raise
        run.close()
        run.schedule_leftovers()
    return run.outcome


class _ChunkRun:
    def __init__(self, *, purpose, attempt, requeue):
        self.requeue = requeue
        self.purpose = purpose
        self.attempt = attempt
        # Django's SMTP backend is driven directly, pipelined; any other (a provider's API, the
        # development mailbox) gets each message through its send_messages.
        self.channel = SMTPChannel() if settings.EMAIL_BACKEND == SMTP_BACKEND else BackendChannel()
        self.retry = {}  # invitation -> reason, for a later attempt with backoff
        self.deferred = {}  # invitation -> when it may be sent (sending rate, someone else's claim)
        self.blocked_until = {}  # organization id -> end of its sending-rate wait
        self.audit = Audit()
        self.outcome = {"sent": 0, "failed": 0, "retry": 0, "deferred": 0, "skipped": 0}
        self.unsent = collections.deque()  # the chunk's invitations not handled yet
        self.current = None  # the invitation being claimed
        self.in_flight = None  # (invitation, claimed_at, transfer) whose answer is not recorded yet

    def deliver(self, invitations):
        # For each invitation: prepare its message (the SMTP thread starts its conversation), wait
        # for the server's answer to the one in flight, then record that answer and claim this one
        # together; only then may this message go (transfer.proceed()).
        self.unsent = collections.deque(invitations)
        while self.unsent or self.in_flight is not None:
            if stopping.is_set():
                # The worker was told to stop: the rest of the chunk goes back to the queue at
                # once, for the next worker, rather than hold the stop for a whole chunk.
                self.hand_back(self.unsent)
                break
            invitation = self.unsent[0] if self.unsent else None
            if invitation is not None and not self.may_send_now(invitation):
                self.unsent.popleft()
                continue
            transfer = None if invitation is None else self.channel.prepare(self.email_of(invitation))
            answer = self.answer(self.in_flight)
            if isinstance(answer, TemporaryFailure) and answer.connection_lost:
                # The server hung up (a 421 closes the connection) or the connection broke:
                # nothing more goes over it, not even the message just prepared, which has not
                # been claimed and stays first of the rest.
                withdraw(transfer)
                if self.after_lost_connection(answer):
                    continue
                return
            if invitation is None:  # the answer to the chunk's last message
                with writing():
                    self.settle(self.in_flight, answer)
                return
            self.current = self.unsent.popleft()
            if self.in_one_statement(self.in_flight, answer, invitation, transfer):
                claimed_at = self.record_and_claim_at_once(self.in_flight, invitation)
            else:
                with writing():
                    self.settle(self.in_flight, answer)
                    claimed_at = claim(invitation, purpose=self.purpose)
                    if isinstance(claimed_at, Held) or claimed_at is None:
                        pass
                    elif isinstance(transfer, TemporaryFailure):
                        self.release(invitation, claimed_at=claimed_at, reason=str(transfer))
                    elif isinstance(transfer, PermanentFailure):
                        record_failed(
                            invitation, claimed_at=claimed_at, reason=str(transfer), purpose=self.purpose
                        )
            self.in_flight = None
            if claimed_at is None:
                withdraw(transfer)
                self.outcome["skipped"] += 1
            elif isinstance(claimed_at, Held):
                withdraw(transfer)
                self.deferred[invitation] = claimed_at.until
            elif isinstance(transfer, TemporaryFailure):
                self.retry[invitation] = str(transfer)
            elif isinstance(transfer, PermanentFailure):
                self.outcome["failed"] += 1
            else:
                transfer.proceed()
                self.in_flight = (invitation, claimed_at, transfer)
            self.current = None
        if self.in_flight is not None:  # stopped with a message in flight
            answer = self.answer(self.in_flight)
            with writing():
                self.settle(self.in_flight, answer)

    def after_lost_connection(self, answer) -> bool:
        """Record the message in flight when its connection was lost; whether the rest of the
        chunk goes on now over a new connection.

        A message the server refused (a 421 to its RCPT TO or to its end), or one that may have
        arrived, waits for a retry of its own, with this attempt counted: the rest never queues
        behind it. One that certainly did not arrive, lost with the connection through no fault
        of its own (a 421 to MAIL FROM after the server's quota of messages, a drop before its
        end), goes back first of the rest, unharmed. The rest goes on over a new connection
        unless the server is refusing us (see the channel's start_over); then each waits for the
        retry with this attempt counted, as the refused one does.
        """
        invitation, claimed_at, _ = self.in_flight
        self.in_flight = None
        with writing():
            if answer.about_recipient or answer.maybe_accepted:
                self.release(invitation, claimed_at=claimed_at, reason=str(answer))
                self.retry[invitation] = str(answer)
            else:
                let_go(invitation, claimed_at=claimed_at)
                self.unsent.appendleft(invitation)
        if self.channel.start_over(about_recipient=answer.about_recipient):
            return True
        rest = list(self.unsent)
        self.unsent.clear()
        if rest:
            with writing():
                count_attempt(rest, reason=str(answer))
            for invitation in rest:
                invitation.delivery_attempts += 1
                self.retry[invitation] = str(answer)
        return False

    def release(self, invitation, *, claimed_at, reason):
        """A temporary failure of this invitation's message: one attempt, counted here too, so
        that the reason it fails with in the end says as many attempts as its row."""
        release(invitation, claimed_at=claimed_at, reason=reason)
        invitation.delivery_attempts += 1

    def email_of(self, invitation):
        build = reminder_email if self.purpose == REMINDER else invitation_email
        return lambda: build(invitation)

    def in_one_statement(self, in_flight, answer, invitation, transfer) -> bool:
        """Whether the common case applies: on PostgreSQL, the message in flight was accepted and
        the next is ready; then its record, its audit event and the next claim are one statement,
        one round trip instead of five."""
        return (
            connection.vendor == "postgresql"
            and self.purpose == INVITATION
            and in_flight is not None
            and answer is None
            and not isinstance(transfer, Exception)
            and not self.audit.is_watched(in_flight[0].organization_id, AuditEvent.Action.SENT)
        )

    def record_and_claim_at_once(self, in_flight, invitation):
        previous, claimed_at, _ = in_flight
        now = timezone.now()
        recorded, claimed = record_sent_and_claim(
            previous, claimed_at=claimed_at, invitation=invitation, now=now
        )
        if recorded:
            self.outcome["sent"] += 1
        if claimed:
            return now
        # Held by someone, claimed by a dead worker, or no longer wanted: the general way.
        with transaction.atomic():
            return claim(invitation, purpose=self.purpose)

    def may_send_now(self, invitation) -> bool:
        organization_id = invitation.organization_id
        if organization_id in self.blocked_until:
            self.deferred[invitation] = self.blocked_until[organization_id]
            return False
        wait = reserve_sending_slot(invitation.organization)
        if wait is not None:
            self.blocked_until[organization_id] = wait
            self.deferred[invitation] = wait
            return False
        return True

    def answer(self, in_flight):
        """The server's answer to the message in flight: None (accepted) or the failure."""
        if in_flight is None:
            return None
        try:
            in_flight[2].result()
        except (TemporaryFailure, PermanentFailure) as failure:
            return failure
        return None

    def settle(self, in_flight, answer) -> None:
        """Record the answer to the message in flight (inside the caller's transaction)."""
        if in_flight is None:
            return
        invitation, claimed_at, _ = in_flight
        if answer is None:
            if record_sent(invitation, claimed_at=claimed_at, purpose=self.purpose, events=self.audit):
                self.outcome["sent"] += 1
        elif isinstance(answer, PermanentFailure):
            record_failed(invitation, claimed_at=claimed_at, reason=str(answer), purpose=self.purpose)
            self.outcome["failed"] += 1
        else:
            self.release(invitation, claimed_at=claimed_at, reason=str(answer))
            self.retry[invitation] = str(answer)

    def close(self):
        self.channel.close()

    def unfinished(self) -> list:
        """The invitations of an interrupted run whose outcome is not recorded."""
        in_flight = [self.in_flight[0]] if self.in_flight else []
        current = [self.current] if self.current is not None else []
        return list(dict.fromkeys([*in_flight, *current, *self.unsent]))

    def hand_back(self, invitations):
        """Queue these again at once (see schedule_leftovers), in one task."""
        now = timezone.now()
        for invitation in invitations:
            self.deferred.setdefault(invitation, now)

    def schedule_leftovers(self):
        now = timezone.now()
        last_attempt = self.attempt >= getattr(settings, "MAIL_MAX_ATTEMPTS", 8)
        if self.retry and last_attempt:
            for invitation, reason in self.retry.items():
                if self.purpose == INVITATION:
                    # Each was attempted in this run, and that attempt is counted already: the
                    # reason states the invitation's own count.
                    attempts, count_attempt = invitation.delivery_attempts, False
                else:  # a reminder's attempts, which its task counts
                    attempts, count_attempt = self.attempt, True
                give_up(
                    invitation,
                    reason=reason,
                    attempts=attempts,
                    purpose=self.purpose,
                    count_attempt=count_attempt,
                )
                self.outcome["failed"] += 1
        elif self.retry:
            pairs = [[inv.pk, inv.generation] for inv in self.retry]
            self.requeue(
                pairs,
                purpose=self.purpose,
                attempt=self.attempt + 1,
                run_after=now + retry_delay(self.attempt),
            )
            self.outcome["retry"] = len(pairs)
        by_time = {}
        for invitation, when in self.deferred.items():
            # Up to the next whole second: invitations held by another worker's claims, each
            # until its own claim's lease ends, share a task instead of taking one each.
            when = max(when, now)
            when += timedelta(microseconds=-when.microsecond % 1_000_000)
            by_time.setdefault(when, []).append([invitation.pk, invitation.generation])
        for when, pairs in by_time.items():
            self.requeue(pairs, purpose=self.purpose, attempt=self.attempt, run_after=when)
            self.outcome["deferred"] += len(pairs)


def reserve_sending_slot(organization, now=None):
    """None if the organization may send one more message now, else when it may.

    Shared by every worker through one row per organization (locked while it is read and moved):
    up to `rate` messages in any minute, spaced by 60/rate seconds once that burst is spent.
    """
    rate = organization.mail_rate_per_minute
    if not rate:
        return None
    now = now or timezone.now()
    interval = timedelta(seconds=60 / rate)
    burst = timedelta(seconds=60) - interval
    with writing():
        schedule, _ = SendingSchedule.objects.select_for_update().get_or_create(
            organization=organization, defaults={"next_at": now}
        )
        start = max(schedule.next_at, now)
        if start - now > burst:
            return start - burst
        schedule.next_at = start + interval
        schedule.save(update_fields=["next_at"])
    return None
