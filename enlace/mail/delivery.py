"""Deliver invitation emails and reminders in chunks over one connection, and record each outcome.

How nothing is lost, nothing is sent by two workers, and nothing is sent three times
------------------------------------------------------------------------------------
A delivery task carries a chunk of [id, generation] pairs. For each invitation the worker:

1. claims it with one conditional UPDATE: the invitation still wants this email (state `queued`
   for an invitation; for a reminder, `sent`, unused, not yet reminded), it is the same
   generation, and nobody holds a fresh claim on it. The UPDATE sets `sending_at`. Only the
   worker whose UPDATE changed the row sends, so two workers never send the same message, even
   when the same invitation sits in two tasks (a retry, a task taken back from a dead worker);
2. renders the message and hands it to the server;
3. records the server's answer at once, in its own short transaction: `sent` with the time and
   an audit event, `failed` with a 5xx answer and an audit event, or back to waiting
   (`sending_at` cleared) for a temporary failure.

A worker killed between 1 and 3 leaves `sending_at` set and its task RUNNING. Every worker beats
a heartbeat; the recovery step of `enlace worker` (enlace.mail.recovery) queues a task again when
its worker's heartbeat is older than the lease (MAIL_LEASE_SECONDS). When the task runs again,
the claims older than the lease are stale: the message may have reached the server before the
crash, so the claim counts one interrupted send (`interrupted_sends`) and sends again: that is
the one duplicate allowed. A second stale claim means two copies may be out already: rather than
risk a third, the invitation fails with a reason that says so, and the admin can resend it.
A claim that is not yet stale is left alone and that invitation retried after the lease.

Temporary failures (connection refused or dropped, timeouts, any 4xx, 5xx at the connection
level) re-enqueue a task for the chunk's invitations not yet sent, with `run_after` doubling from
MAIL_RETRY_SECONDS; after MAIL_MAX_ATTEMPTS the invitations fail with the last reason. A 5xx
answer for the recipient or the message fails only that invitation. An organization with a
sending rate gets the rest of its chunk deferred with `run_after`, so the worker moves on to
other organizations' mail instead of sleeping.
"""

import contextlib
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations.models import Invitation

logger = logging.getLogger(__name__)

INVITATION = "invitation"
REMINDER = "reminder"
# Not (yet) a choice of AuditEvent.Action: the audit app's owner adds it with its migration.
REMINDED = "reminded"


class TemporaryFailure(Exception):
    """The server or the network said "not now": try again later."""


def lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "MAIL_LEASE_SECONDS", 300))


def retry_delay(attempt: int) -> timedelta:
    """1, 2, 4, 8 ... times MAIL_RETRY_SECONDS after the first, second, third ... attempt; at most a day."""
    base = getattr(settings, "MAIL_RETRY_SECONDS", 60)
    return timedelta(seconds=min(base * 2 ** (attempt - 1), 86400))


def deliver_chunk(pairs, *, purpose: str = INVITATION, attempt: int = 1) -> dict:
    """Send the emails of a chunk of invitations named by (id, generation) pairs.

    An invitation resent since (a newer generation), revoked, expired or already handled is
    skipped: whoever changed it queued the right message, if any.
    """
    wanted = {int(pk): int(generation) for pk, generation in pairs}
    invitations = [
        inv
        for inv in Invitation.objects.filter(pk__in=wanted)
        .select_related("organization", "user", "partner")
        .order_by("pk")
        if inv.generation == wanted[inv.pk]
    ]
    run = _ChunkRun(purpose=purpose, attempt=attempt)
    run.outcome["skipped"] = len(wanted) - len(invitations)
    try:
        run.deliver(invitations)
    finally:
        run.close()
    run.schedule_leftovers()
    return run.outcome


class _ChunkRun:
    def __init__(self, *, purpose, attempt):
        self.purpose = purpose
        self.attempt = attempt
        self.connection = None
        self.retry = {}  # invitation -> reason, for a later attempt with backoff
        self.deferred = {}  # invitation -> when it may be sent (sending rate, someone else's claim)
        self.blocked_until = {}  # organization id -> end of its sending-rate wait
        self.outcome = {"sent": 0, "failed": 0, "retry": 0, "deferred": 0, "skipped": 0}

    def deliver(self, invitations):
        for index, invitation in enumerate(invitations):
            organization_id = invitation.organization_id
            if organization_id in self.blocked_until:
                self.deferred[invitation] = self.blocked_until[organization_id]
                continue
            wait = reserve_sending_slot(invitation.organization)
            if wait is not None:
                self.blocked_until[organization_id] = wait
                self.deferred[invitation] = wait
                continue
            claimed_at = claim(invitation, purpose=self.purpose)
            if claimed_at is None:
                self.outcome["skipped"] += 1
                continue
            if isinstance(claimed_at, _Held):
                self.deferred[invitation] = claimed_at.until
                continue
            try:
                self.send(invitation)
            except TemporaryFailure as error:
                reason = str(error)
                release(invitation, claimed_at=claimed_at, reason=reason)
                self.retry[invitation] = reason
                if self.connection is None:
                    # The connection is gone: the rest of the chunk waits for the retry as well.
                    for rest in invitations[index + 1 :]:
                        self.retry.setdefault(rest, reason)
                    return
            except PermanentFailure as error:
                record_failed(invitation, claimed_at=claimed_at, reason=str(error), purpose=self.purpose)
                self.outcome["failed"] += 1
            else:
                record_sent(invitation, claimed_at=claimed_at, purpose=self.purpose)
                self.outcome["sent"] += 1

    def send(self, invitation):
        try:
            message = build_message(invitation, purpose=self.purpose)
        except Exception as error:
            # A bug of ours (a template, a missing translation) must delay this email, not lose
            # it: it is retried like a temporary failure, and fails with the reason in the end.
            logger.exception("Building the email of invitation %s failed", invitation.pk)
            raise TemporaryFailure(f"{type(error).__name__}: {error}"[:500]) from error
        # One message, one recipient: nothing in a name or an address can add another.
        if len(message.recipients()) != 1 or message.recipients() != [invitation.email]:
            raise PermanentFailure("refused: the message must have exactly its one recipient")
        try:
            if self.connection is None:
                self.connection = get_connection()
                self.connection.open()
            message.connection = self.connection
            self.connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as error:
            code, answer = next(iter(error.recipients.values()))
            self._raise_for(code, answer, connection_alive=code != 421)
        except smtplib.SMTPDataError as error:
            self._raise_for(error.smtp_code, error.smtp_error, connection_alive=error.smtp_code != 421)
        except smtplib.SMTPResponseException as error:
            # Refused at connect, HELO, AUTH or MAIL FROM: about the server or our account, never
            # about this recipient, so it is worth another attempt later.
            self.drop_connection()
            raise TemporaryFailure(_answer(error.smtp_code, error.smtp_error)) from error
        except (smtplib.SMTPException, OSError) as error:
            self.drop_connection()
            raise TemporaryFailure(f"{type(error).__name__}: {error}".strip()) from error
        except Exception as error:
            # An email provider's API (django-anymail) raises its own errors: retry them too.
            logger.exception("Sending invitation %s failed", invitation.pk)
            self.drop_connection()
            raise TemporaryFailure(f"{type(error).__name__}: {error}"[:500]) from error

    def _raise_for(self, code, answer, *, connection_alive):
        reason = _answer(code, answer)
        if not connection_alive:
            self.drop_connection()
        if 500 <= code < 600:
            raise PermanentFailure(reason)
        raise TemporaryFailure(reason)

    def drop_connection(self):
        if self.connection is not None:
            with contextlib.suppress(Exception):  # it is broken already; we only let go of it
                self.connection.close()
            self.connection = None

    def close(self):
        self.drop_connection()

    def schedule_leftovers(self):
        from enlace.mail.tasks import deliver_invitations

        now = timezone.now()
        last_attempt = self.attempt >= getattr(settings, "MAIL_MAX_ATTEMPTS", 8)
        if self.retry and last_attempt:
            for invitation, reason in self.retry.items():
                give_up(invitation, reason=reason, attempts=self.attempt, purpose=self.purpose)
                self.outcome["failed"] += 1
        elif self.retry:
            pairs = [[inv.pk, inv.generation] for inv in self.retry]
            deliver_invitations.using(run_after=now + retry_delay(self.attempt)).enqueue(
                pairs, purpose=self.purpose, attempt=self.attempt + 1
            )
            self.outcome["retry"] = len(pairs)
        by_time = {}
        for invitation, when in self.deferred.items():
            by_time.setdefault(when, []).append([invitation.pk, invitation.generation])
        for when, pairs in by_time.items():
            deliver_invitations.using(run_after=max(when, now)).enqueue(
                pairs, purpose=self.purpose, attempt=self.attempt
            )
            self.outcome["deferred"] += len(pairs)


class PermanentFailure(Exception):
    """The server refused this recipient or this message for good (5xx)."""


class _Held:
    """Another worker holds a fresh claim on the invitation, until `until`."""

    def __init__(self, until):
        self.until = until


def _answer(code, answer) -> str:
    if isinstance(answer, bytes):
        answer = answer.decode(errors="replace")
    return f"{code} {answer}".strip()[:500]


def _wants(purpose: str, now) -> Q:
    """The invitations that still want this purpose's email."""
    if purpose == REMINDER:
        return Q(
            state=Invitation.State.SENT,
            used_at__isnull=True,
            expires_at__gt=now,
        ) & (Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("sent_at")))
    return Q(state=Invitation.State.QUEUED)


def claim(invitation: Invitation, *, purpose: str = INVITATION):
    """Take the right to send this invitation's email: its claim time, a _Held, or None.

    None means it no longer wants the email, or that two earlier sends were interrupted: then it
    has been failed here with that reason rather than risk a third copy.
    """
    now = timezone.now()
    stale = now - lease()
    mine = Invitation.objects.filter(pk=invitation.pk, generation=invitation.generation).filter(
        _wants(purpose, now)
    )
    if mine.filter(sending_at__isnull=True).update(sending_at=now):
        return now
    if mine.filter(sending_at__lt=stale, interrupted_sends=0).update(sending_at=now, interrupted_sends=1):
        logger.warning("Invitation %s: a worker stopped while sending it; sending again", invitation.pk)
        return now
    rows = list(mine.values_list("sending_at", flat=True))
    if not rows:
        return None
    row = rows[0]
    if row is None:
        return _Held(now)  # released by another worker a moment ago: take it on the next round
    if row >= stale:
        return _Held(row + lease())
    reason = "Delivery interrupted twice: the message may have arrived; resend it if not."
    give_up(invitation, reason=reason, attempts=None, purpose=purpose, claimed_at=row)
    return None


def release(invitation: Invitation, *, claimed_at, reason: str) -> None:
    """A temporary failure: the server did not take the message; let the next attempt claim it."""
    Invitation.objects.filter(pk=invitation.pk, sending_at=claimed_at).update(
        sending_at=None,
        delivery_error=reason[:500],
        delivery_attempts=F("delivery_attempts") + 1,
        updated_at=timezone.now(),
    )


@transaction.atomic
def record_sent(invitation: Invitation, *, claimed_at, purpose: str = INVITATION) -> None:
    """The server accepted the message: say so at once, before the next one goes out."""
    now = timezone.now()
    mine = Invitation.objects.filter(pk=invitation.pk, sending_at=claimed_at)
    if purpose == REMINDER:
        changed = mine.update(sending_at=None, interrupted_sends=0, reminded_at=now)
        action, detail = REMINDED, invitation.email
    else:
        changed = mine.update(
            state=Case(
                When(state=Invitation.State.QUEUED, then=Value(Invitation.State.SENT)),
                default=F("state"),
            ),
            sent_at=now,
            sending_at=None,
            interrupted_sends=0,
            delivery_error="",
            delivery_attempts=F("delivery_attempts") + 1,
            updated_at=now,
        )
        action, detail = AuditEvent.Action.SENT, invitation.email
    if changed:
        record(
            organization=invitation.organization,
            action=action,
            user=invitation.user,
            invitation=invitation,
            detail=detail,
        )


@transaction.atomic
def record_failed(invitation: Invitation, *, claimed_at, reason: str, purpose: str = INVITATION) -> None:
    """The server refused this recipient or message for good: this invitation fails, with why."""
    _fail(invitation, reason=reason, purpose=purpose, mine=Q(sending_at=claimed_at))


@transaction.atomic
def give_up(invitation: Invitation, *, reason: str, attempts, purpose: str, claimed_at=None) -> None:
    """No more attempts: fail the invitation with the last reason."""
    if attempts:
        reason = f"{reason} ({attempts} attempts)"
    mine = Q(sending_at=claimed_at) if claimed_at else Q(sending_at__isnull=True)
    _fail(invitation, reason=reason, purpose=purpose, mine=mine & _wants(purpose, timezone.now()))


def _fail(invitation, *, reason, purpose, mine: Q):
    now = timezone.now()
    logger.warning("Invitation %s to %s failed: %s", invitation.pk, invitation.email, reason)
    fields = {
        "state": Case(
            When(state__in=Invitation.PENDING_STATES, then=Value(Invitation.State.FAILED)),
            default=F("state"),
        ),
        "sending_at": None,
        "interrupted_sends": 0,
        "delivery_error": reason[:500],
        "delivery_attempts": F("delivery_attempts") + 1,
        "updated_at": now,
    }
    if purpose == REMINDER:
        fields["reminded_at"] = now
    changed = Invitation.objects.filter(mine, pk=invitation.pk, generation=invitation.generation).update(
        **fields
    )
    if changed:
        detail = f"{'reminder: ' if purpose == REMINDER else ''}{reason}"
        record(
            organization=invitation.organization,
            action=AuditEvent.Action.FAILED,
            user=invitation.user,
            invitation=invitation,
            detail=detail,
        )


def build_message(invitation: Invitation, *, purpose: str = INVITATION):
    from enlace.invitations.emails import build_invitation_email

    if purpose == REMINDER:
        from enlace.mail.reminders import build_reminder_email

        return build_reminder_email(invitation)
    return build_invitation_email(invitation)


def reserve_sending_slot(organization, now=None):
    """None if the organization may send one more message now, else when it may.

    Shared by every worker through one row per organization (locked while it is read and moved):
    up to `rate` messages in any minute, spaced by 60/rate seconds once that burst is spent.
    """
    rate = organization.mail_rate_per_minute
    if not rate:
        return None
    from enlace.mail.models import SendingSchedule

    now = now or timezone.now()
    interval = timedelta(seconds=60 / rate)
    burst = timedelta(seconds=60) - interval
    with transaction.atomic():
        schedule, _ = SendingSchedule.objects.select_for_update().get_or_create(
            organization=organization, defaults={"next_at": now}
        )
        start = max(schedule.next_at, now)
        if start - now > burst:
            return start - burst
        schedule.next_at = start + interval
        schedule.save(update_fields=["next_at"])
    return None
