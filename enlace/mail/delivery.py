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
once the transaction has committed (enlace.mail.smtp). So at most one message is ever accepted by
the server and not yet recorded, and at most one invitation holds a claim.

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

On PostgreSQL the chunk's transactions commit without waiting for the server's disk
(`synchronous_commit = off`). A worker killed after a commit loses nothing by it: the server
has the commit. Only a crash of the database server itself can lose the last records (up to
three times wal_writer_delay, 0.6 s by default: a few hundred messages at full speed), and then
the invitations concerned look claimed or queued and are sent once more: duplicates, never a
loss. The setting is the session's for the length of a chunk, so a pooler that shares server
sessions between clients (PgBouncer in transaction mode) must not stand between the worker and
PostgreSQL.
"""

import contextlib
import functools
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations.models import Invitation
from enlace.mail import smtp

logger = logging.getLogger(__name__)

INVITATION = "invitation"
REMINDER = "reminder"
# Not (yet) a choice of AuditEvent.Action: the audit app's owner adds it with its migration.
REMINDED = "reminded"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


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
)


class TemporaryFailure(Exception):
    """The server or the network said "not now": try again later."""

    def __init__(self, reason: str, *, connection_lost: bool = False):
        super().__init__(reason)
        self.connection_lost = connection_lost


class PermanentFailure(Exception):
    """The server refused this recipient or this message for good (5xx)."""


class _Held:
    """Another worker holds a fresh claim on the invitation, until `until`."""

    def __init__(self, until):
        self.until = until


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
        # A chunk's invitations mostly share their organization and partner: fetched once each.
        # Only those still wanting the email: a task taken back from a dead worker names many
        # already sent, and a claim refused after the SMTP conversation began costs a reconnect.
        for inv in Invitation.objects.filter(_wants(purpose, timezone.now()), pk__in=wanted)
        .select_related("user")
        .prefetch_related("organization", "partner")
        .only(*CHUNK_FIELDS)
        .order_by("pk")
        if inv.generation == wanted[inv.pk]
    ]
    run = _ChunkRun(purpose=purpose, attempt=attempt)
    run.outcome["skipped"] = len(wanted) - len(invitations)
    with _commits_without_waiting_for_disk():
        try:
            run.deliver(invitations)
        finally:
            run.close()
        run.schedule_leftovers()
    return run.outcome


@contextlib.contextmanager
def _commits_without_waiting_for_disk():
    """PostgreSQL only; why it is safe is in this module's docstring."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


class _ChunkRun:
    def __init__(self, *, purpose, attempt):
        self.purpose = purpose
        self.attempt = attempt
        # Django's SMTP backend is driven directly, pipelined; any other (a provider's API, the
        # development mailbox) gets each message through its send_messages.
        self.channel = _SMTPChannel() if settings.EMAIL_BACKEND == SMTP_BACKEND else _BackendChannel()
        self.retry = {}  # invitation -> reason, for a later attempt with backoff
        self.deferred = {}  # invitation -> when it may be sent (sending rate, someone else's claim)
        self.blocked_until = {}  # organization id -> end of its sending-rate wait
        self.audit = _Audit()
        self.outcome = {"sent": 0, "failed": 0, "retry": 0, "deferred": 0, "skipped": 0}

    def deliver(self, invitations):
        # For each invitation: prepare its message (the SMTP thread starts its conversation), wait
        # for the server's answer to the one in flight, then record that answer and claim this one
        # together; only then may this message go (transfer.proceed()).
        in_flight = None  # (invitation, claimed_at, transfer) whose answer is not recorded yet
        for index, invitation in enumerate(invitations):
            if not self.may_send_now(invitation):
                continue
            transfer = self.channel.prepare(invitation, purpose=self.purpose)
            answer = self.answer(in_flight)
            lost = isinstance(answer, TemporaryFailure) and answer.connection_lost
            if self.in_one_statement(in_flight, answer, invitation, transfer):
                claimed_at = self.record_and_claim_at_once(in_flight, invitation)
            else:
                with transaction.atomic():
                    self.settle(in_flight, answer)
                    claimed_at = None if lost else claim(invitation, purpose=self.purpose)
                    if isinstance(claimed_at, _Held) or claimed_at is None:
                        pass
                    elif isinstance(transfer, TemporaryFailure):
                        release(invitation, claimed_at=claimed_at, reason=str(transfer))
                    elif isinstance(transfer, PermanentFailure):
                        record_failed(
                            invitation, claimed_at=claimed_at, reason=str(transfer), purpose=self.purpose
                        )
            in_flight = None
            if lost:
                # The connection is gone: the rest of the chunk waits for the retry as well.
                _withdraw(transfer)
                for rest in invitations[index:]:
                    self.retry.setdefault(rest, str(answer))
                return
            if claimed_at is None:
                _withdraw(transfer)
                self.outcome["skipped"] += 1
            elif isinstance(claimed_at, _Held):
                _withdraw(transfer)
                self.deferred[invitation] = claimed_at.until
            elif isinstance(transfer, TemporaryFailure):
                self.retry[invitation] = str(transfer)
            elif isinstance(transfer, PermanentFailure):
                self.outcome["failed"] += 1
            else:
                transfer.proceed()
                in_flight = (invitation, claimed_at, transfer)
        if in_flight is not None:
            answer = self.answer(in_flight)
            with transaction.atomic():
                self.settle(in_flight, answer)

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
            and not self.audit.needs_signal(in_flight[0].organization_id, AuditEvent.Action.SENT)
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
            if record_sent(invitation, claimed_at=claimed_at, purpose=self.purpose, audit=self.audit):
                self.outcome["sent"] += 1
        elif isinstance(answer, PermanentFailure):
            record_failed(invitation, claimed_at=claimed_at, reason=str(answer), purpose=self.purpose)
            self.outcome["failed"] += 1
        else:
            release(invitation, claimed_at=claimed_at, reason=str(answer))
            self.retry[invitation] = str(answer)

    def close(self):
        self.channel.close()

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


def _withdraw(transfer):
    if hasattr(transfer, "cancel"):
        transfer.cancel()


def _built(invitation, build):
    """What `build` made of the invitation, or the failure its error stands for."""
    try:
        return build(invitation)
    except ValueError as error:
        if "one recipient" in str(error):
            return PermanentFailure("refused: the message must have exactly its one recipient")
        error_ = error
    except Exception as error:
        error_ = error
    # A bug of ours (a template, a missing translation) must delay this email, not lose it: it
    # is retried like a temporary failure, and fails with the reason in the end.
    logger.error("Building the email of invitation %s failed", invitation.pk, exc_info=error_)
    return TemporaryFailure(f"{type(error_).__name__}: {error_}"[:500])


class _SMTPChannel:
    """Messages as bytes, over one pipelined SMTP connection (enlace.mail.smtp)."""

    def __init__(self):
        self.connection = None

    def prepare(self, invitation, *, purpose):
        built = _built(invitation, lambda inv: message_bytes(inv, purpose=purpose))
        if isinstance(built, Exception):
            return built
        sender, recipient, data = built
        if self.connection is None:
            self.connection = smtp.PipelinedSMTP()
        return _SMTPTransfer(self.connection.submit(sender, recipient, data))

    def close(self):
        if self.connection is not None:
            self.connection.close()


class _SMTPTransfer:
    def __init__(self, transfer):
        self.transfer = transfer
        self.proceed = transfer.proceed
        self.cancel = transfer.cancel

    def result(self):
        try:
            self.transfer.result()
        except smtp.Refused as error:
            raise _refusal(error) from error
        except smtp.Broken as error:
            raise TemporaryFailure(str(error), connection_lost=True) from error


def _refusal(error: smtp.Refused) -> Exception:
    """A 5xx about the recipient or the message fails the invitation; anything else is retried."""
    if error.about_recipient and 500 <= error.code < 600:
        return PermanentFailure(str(error))
    return TemporaryFailure(str(error), connection_lost=error.connection_lost)


class _BackendChannel:
    """EmailMessages through the configured backend's send_messages, one at a time."""

    def __init__(self):
        self.connection = None

    def prepare(self, invitation, *, purpose):
        message = _built(invitation, lambda inv: build_message(inv, purpose=purpose))
        if isinstance(message, Exception):
            return message
        # One message, one recipient: nothing in a name or an address can add another.
        if len(message.recipients()) != 1 or message.recipients() != [invitation.email]:
            return PermanentFailure("refused: the message must have exactly its one recipient")
        return _BackendTransfer(self, message)

    def close(self):
        if self.connection is not None:
            with contextlib.suppress(Exception):  # it may be broken already; we only let go of it
                self.connection.close()
            self.connection = None


class _BackendTransfer:
    def __init__(self, channel, message):
        self.channel = channel
        self.message = message
        self.error = None

    def proceed(self):
        channel = self.channel
        try:
            if channel.connection is None:
                channel.connection = get_connection()
                channel.connection.open()
            self.message.connection = channel.connection
            channel.connection.send_messages([self.message])
        except smtplib.SMTPRecipientsRefused as error:  # another SMTP-speaking backend
            code, answer = next(iter(error.recipients.values()))
            self.error = _refusal(smtp.Refused(code, answer, connection_lost=code == 421))
        except smtplib.SMTPDataError as error:
            code = error.smtp_code
            self.error = _refusal(smtp.Refused(code, error.smtp_error, connection_lost=code == 421))
        except Exception as error:
            # An email provider's API (django-anymail) raises its own errors: retry them too.
            logger.exception("Sending to %s failed", self.message.to)
            channel.close()
            self.error = TemporaryFailure(f"{type(error).__name__}: {error}"[:500], connection_lost=True)

    def result(self):
        if self.error is not None:
            if isinstance(self.error, TemporaryFailure) and self.error.connection_lost:
                self.channel.close()
            raise self.error


class _Audit:
    """The audit events of a chunk's deliveries, written as one plain INSERT each.

    The organization's webhooks are emitted from AuditEvent's post_save signal, which an INSERT
    bypasses: for an organization with an endpoint subscribed to the event, the event is written
    through the ORM instead (looked up once per chunk; an endpoint added meanwhile is seen from
    the next chunk on).
    """

    def __init__(self):
        self.signalled = {}

    def record(self, invitation, *, action, detail, now=None):
        if self.needs_signal(invitation.organization_id, action):
            record(
                organization=invitation.organization,
                action=action,
                user=invitation.user,
                invitation=invitation,
                detail=detail,
            )
            return
        _execute(
            _AUDIT_INSERT,
            [
                invitation.organization_id,
                action,
                invitation.user_id,
                invitation.pk,
                detail[:500],
                _db_time(now or timezone.now()),
            ],
        )

    def needs_signal(self, organization_id, action) -> bool:
        from enlace.api.models import WebhookEndpoint
        from enlace.api.webhooks import AUDIT_EVENTS

        event = AUDIT_EVENTS.get(action)
        if event is None:
            return False
        key = (organization_id, event)
        if key not in self.signalled:
            endpoints = WebhookEndpoint.objects.filter(organization_id=organization_id, is_active=True)
            self.signalled[key] = any(endpoint.wants(event) for endpoint in endpoints)
        return self.signalled[key]


def _table(model, *fields):
    return [model._meta.db_table] + [model._meta.get_field(f).column for f in fields]


# Names come from the models and values go as parameters.
_AUDIT_INSERT = "INSERT INTO {} ({}, {}, {}, {}, {}, {}) VALUES (%s, %s, %s, %s, %s, %s)".format(  # noqa: S608
    *_table(AuditEvent, "organization", "action", "user", "invitation", "detail", "created_at")
)
# The two statements of every message, written out: building them through the ORM cost more
# than running them.
_CLAIM = "UPDATE {} SET {} = %s WHERE {} = %s AND {} = %s AND {} = %s AND {} IS NULL".format(  # noqa: S608
    *_table(Invitation, "sending_at", "id", "generation", "state", "sending_at")
)
_SENT = (  # noqa: S608
    "UPDATE {0} SET {1} = CASE WHEN {1} = %s THEN %s ELSE {1} END, {2} = %s, {3} = NULL, "
    "{4} = 0, {5} = '', {6} = {6} + 1, {7} = %s WHERE {8} = %s AND {3} = %s AND {9} = %s"
).format(
    *_table(
        Invitation,
        "state",
        "sent_at",
        "sending_at",
        "interrupted_sends",
        "delivery_error",
        "delivery_attempts",
        "updated_at",
        "id",
        "generation",  # a resend meanwhile: this message is not the one the invitation wants now
    )
)


# PostgreSQL runs the statements of a WITH together, in one transaction of their own.
_ID = Invitation._meta.pk.column
_SENT_AUDITED_AND_CLAIMED = f"""
WITH sent AS ({_SENT} RETURNING {_ID}),
audit AS (
  {_AUDIT_INSERT.split(" VALUES ")[0]}
  SELECT %s::bigint, %s::varchar, %s::bigint, {_ID}, %s::varchar, %s::timestamptz FROM sent
),
claimed AS ({_CLAIM} RETURNING 1)
SELECT (SELECT count(*) FROM sent), (SELECT count(*) FROM claimed)
"""  # noqa: S608


def _execute(sql, params) -> int:
    """Run one of the statements above on the driver's own cursor: Django's cursor wrapper
    cost more than the statement. Errors are still Django's (wrap_database_errors)."""
    if connection.queries_logged:  # DEBUG or a test counting queries: let them see this one
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(_in_paramstyle(sql), params)
            return cursor.rowcount
        finally:
            cursor.close()


@functools.lru_cache(maxsize=16)
def _in_paramstyle(sql: str) -> str:
    return sql.replace("%s", "?") if connection.vendor == "sqlite" else sql


@functools.lru_cache(maxsize=8)
def _db_time(value):
    # The same few times (this message's, its claim's) are written several times each.
    return connection.ops.adapt_datetimefield_value(value)


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
    if purpose == INVITATION and _execute(
        _CLAIM, [_db_time(now), invitation.pk, invitation.generation, Invitation.State.QUEUED]
    ):
        return now
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


@transaction.atomic(savepoint=False)
def record_sent(invitation: Invitation, *, claimed_at, purpose: str = INVITATION, audit=None) -> bool:
    """The server accepted the message: say so at once, before the next one can be accepted."""
    now = timezone.now()
    if purpose == REMINDER:
        mine = Invitation.objects.filter(pk=invitation.pk, sending_at=claimed_at)
        changed = mine.update(sending_at=None, interrupted_sends=0, reminded_at=now)
        action = REMINDED
    else:
        db_now = _db_time(now)
        queued, sent = Invitation.State.QUEUED, Invitation.State.SENT
        changed = _execute(
            _SENT, [queued, sent, db_now, db_now, invitation.pk, _db_time(claimed_at), invitation.generation]
        )
        action = AuditEvent.Action.SENT
    if changed:
        (audit or _Audit()).record(invitation, action=action, detail=invitation.email, now=now)
    return bool(changed)


def record_sent_and_claim(
    previous: Invitation, *, claimed_at, invitation: Invitation, now
) -> tuple[bool, bool]:
    """record_sent(previous) and the plain case of claim(invitation) in one statement
    (PostgreSQL): whether each changed its row."""
    params = [Invitation.State.QUEUED, Invitation.State.SENT, now, now, previous.pk, claimed_at]
    params += [previous.generation]
    params += [previous.organization_id, AuditEvent.Action.SENT, previous.user_id, previous.email, now]
    params += [now, invitation.pk, invitation.generation, Invitation.State.QUEUED]
    with connection.cursor() as cursor:
        cursor.execute(_SENT_AUDITED_AND_CLAIMED, params)
        recorded, claimed = cursor.fetchone()
    return bool(recorded), bool(claimed)


@transaction.atomic(savepoint=False)
def record_failed(invitation: Invitation, *, claimed_at, reason: str, purpose: str = INVITATION) -> None:
    """The server refused this recipient or message for good: this invitation fails, with why."""
    _fail(invitation, reason=reason, purpose=purpose, mine=Q(sending_at=claimed_at))


@transaction.atomic(savepoint=False)
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


def message_bytes(invitation: Invitation, *, purpose: str = INVITATION):
    """(sender, recipient, bytes) of the email, as Django's SMTP backend would send it."""
    from enlace.invitations.emails import invitation_email_bytes

    if purpose == REMINDER:
        from enlace.mail.reminders import reminder_email_bytes

        return reminder_email_bytes(invitation)
    return invitation_email_bytes(invitation)


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
