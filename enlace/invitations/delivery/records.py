"""What the database says of each message: its claim, its outcome and the audit event that goes
with it (see enlace.invitations.delivery for why they are ordered as they are). The moves of
state are those of enlace.invitations.lifecycle; the statements written out here take theirs
from it."""

import functools
import logging

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from enlace.audit import services as audit
from enlace.audit.models import AuditEvent
from enlace.invitations import failures, lifecycle
from enlace.invitations.models import Invitation
from enlace.worker.recovery import lease

logger = logging.getLogger("enlace.invitations.delivery")

INVITATION = "invitation"
REMINDER = "reminder"
REMINDED = AuditEvent.Action.REMINDED


class Held:
    """Another worker holds a fresh claim on the invitation, until `until`."""

    def __init__(self, until):
        self.until = until


class Audit:
    """The audit events of a chunk's deliveries, written as one plain INSERT each.

    An event that a subscriber of the audit trail watches (an organization's webhook) goes
    through the audit writer instead, so that the subscriber hears of it (looked up once per
    chunk; a webhook added meanwhile is seen from the next chunk on).
    """

    def __init__(self):
        self.watched = {}

    def record(self, invitation, *, action, detail, now=None):
        if self.is_watched(invitation.organization_id, action):
            audit.record(
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
                detail[: audit.DETAIL_LENGTH],
                _db_time(now or timezone.now()),
            ],
        )

    def is_watched(self, organization_id, action) -> bool:
        key = (organization_id, action)
        if key not in self.watched:
            self.watched[key] = audit.is_watched(organization_id, action)
        return self.watched[key]


def _table(model, *fields):
    return [model._meta.db_table] + [model._meta.get_field(f).column for f in fields]


# Names come from the models and values go as parameters.
_AUDIT_COLUMNS = audit.insert_statement()
_AUDIT_INSERT = f"{_AUDIT_COLUMNS} VALUES ({', '.join(['%s'] * len(audit.COLUMNS))})"
# The two statements of every message, written out: building them through the ORM cost more
# than running them.
_CLAIM = "UPDATE {} SET {} = %s WHERE {} = %s AND {} = %s AND {} = %s AND {} IS NULL".format(  # noqa: S608
    *_table(Invitation, "sending_at", "id", "generation", "state", "sending_at")
)
_STATE_AFTER_SENT, _STATE_AFTER_SENT_PARAMS = lifecycle.sql_case(
    "send", Invitation._meta.get_field("state").column
)
_SENT = (
    "UPDATE {0} SET {1} = " + _STATE_AFTER_SENT + ", {2} = %s, {3} = NULL, "  # noqa: S608
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
  {_AUDIT_COLUMNS}
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


def wants(purpose: str, now) -> Q:
    """The invitations that still want this purpose's email."""
    if purpose == REMINDER:
        return Q(
            state=Invitation.State.SENT,
            used_at__isnull=True,
            expires_at__gt=now,
        ) & (Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("sent_at")))
    return Q(state=Invitation.State.QUEUED)


def claim(invitation: Invitation, *, purpose: str = INVITATION):
    """Take the right to send this invitation's email: its claim time, a Held, or None.

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
        wants(purpose, now)
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
        return Held(now)  # released by another worker a moment ago: take it on the next round
    if row >= stale:
        return Held(row + lease())
    give_up(invitation, reason=failures.INTERRUPTED_TWICE, attempts=None, purpose=purpose, claimed_at=row)
    return None


def release(invitation: Invitation, *, claimed_at, reason: str) -> None:
    """A temporary failure: the server did not take the message; let the next attempt claim it."""
    Invitation.objects.filter(pk=invitation.pk, sending_at=claimed_at).update(
        sending_at=None,
        delivery_error=reason[:500],
        delivery_attempts=F("delivery_attempts") + 1,
        updated_at=timezone.now(),
    )


def let_go(invitation: Invitation, *, claimed_at) -> None:
    """The message certainly did not reach the server, through no fault of its own (the
    connection was lost before it): drop the claim, count no attempt, keep no reason."""
    Invitation.objects.filter(pk=invitation.pk, sending_at=claimed_at).update(sending_at=None)


def count_attempt(invitations, *, reason: str) -> None:
    """The server refused the connection these were waiting for: one attempt each, with its
    reason (those still queued and unclaimed, in the generation named)."""
    by_generation = {}
    for invitation in invitations:
        by_generation.setdefault(invitation.generation, []).append(invitation.pk)
    for generation, ids in by_generation.items():
        Invitation.objects.filter(
            pk__in=ids, generation=generation, state=Invitation.State.QUEUED, sending_at__isnull=True
        ).update(
            delivery_error=reason[:500],
            delivery_attempts=F("delivery_attempts") + 1,
            updated_at=timezone.now(),
        )


@transaction.atomic(savepoint=False)
def record_sent(invitation: Invitation, *, claimed_at, purpose: str = INVITATION, events=None) -> bool:
    """The server accepted the message: say so at once, before the next one can be accepted."""
    now = timezone.now()
    if purpose == REMINDER:
        mine = Invitation.objects.filter(pk=invitation.pk, sending_at=claimed_at)
        changed = mine.update(sending_at=None, interrupted_sends=0, reminded_at=now)
        action = REMINDED
    else:
        db_now = _db_time(now)
        changed = _execute(
            _SENT,
            [
                *_STATE_AFTER_SENT_PARAMS,
                db_now,
                db_now,
                invitation.pk,
                _db_time(claimed_at),
                invitation.generation,
            ],
        )
        action = AuditEvent.Action.SENT
    if changed:
        (events or Audit()).record(invitation, action=action, detail=invitation.email, now=now)
    return bool(changed)


def record_sent_and_claim(
    previous: Invitation, *, claimed_at, invitation: Invitation, now
) -> tuple[bool, bool]:
    """record_sent(previous) and the plain case of claim(invitation) in one statement
    (PostgreSQL): whether each changed its row."""
    params = [*_STATE_AFTER_SENT_PARAMS, now, now, previous.pk, claimed_at]
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
    fail(invitation, reason=reason, purpose=purpose, only=Q(sending_at=claimed_at))


@transaction.atomic(savepoint=False)
def give_up(
    invitation: Invitation,
    *,
    reason: str,
    attempts,
    purpose: str,
    claimed_at=None,
    count_attempt: bool = True,
) -> None:
    """No more attempts: fail the invitation with the last reason. `attempts`, the number the
    reason states, includes this last one; count_attempt=False when it is counted already."""
    if attempts:
        reason = failures.with_attempts(reason, attempts)
    mine = Q(sending_at=claimed_at) if claimed_at else Q(sending_at__isnull=True)
    fail(
        invitation,
        reason=reason,
        purpose=purpose,
        only=mine & wants(purpose, timezone.now()),
        count_attempt=count_attempt,
    )


def fail(
    invitation, *, reason: str, purpose: str = INVITATION, only: Q | None = None, count_attempt: bool = True
) -> bool:
    """The one way an invitation fails: its email will not arrive (refused for good, out of
    attempts, bounced). Only the same generation, and only rows matching `only`; a pending
    invitation moves to `failed` (a reminder's failure leaves a used one as it is). Audited;
    whether it changed the row. The failure counts one delivery attempt unless count_attempt
    is False (giving up after attempts already counted)."""
    now = timezone.now()
    logger.warning("Invitation %s to %s failed: %s", invitation.pk, invitation.email, reason)
    fields = {
        "state": lifecycle.state_after("fail"),
        "sending_at": None,
        "interrupted_sends": 0,
        "delivery_error": reason[:500],
        "delivery_attempts": F("delivery_attempts") + int(count_attempt),
        "updated_at": now,
    }
    if purpose == REMINDER:
        fields["reminded_at"] = now
    changed = Invitation.objects.filter(
        only or Q(), pk=invitation.pk, generation=invitation.generation
    ).update(**fields)
    if changed:
        detail = f"{'reminder: ' if purpose == REMINDER else ''}{reason}"
        audit.record(
            organization=invitation.organization,
            action=AuditEvent.Action.FAILED,
            user=invitation.user,
            invitation=invitation,
            detail=detail,
        )
    return bool(changed)
