"""Invitation lifecycle: issue, queue for delivery, resend, renew, revoke, expire, use.

The moves between states are declared in enlace.invitations.lifecycle; looking an invitation up
by its secret is enlace.invitations.lookup."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from enlace.audit.models import AuditEvent
from enlace.audit.services import record, record_many
from enlace.invitations import lifecycle
from enlace.invitations.models import Invitation, ReplacedSecret
from enlace.invitations.secrets import new_secret
from enlace.invitations.tasks import deliver_invitations
from enlace.lib.bulk import insert_rows

# Invitations per delivery task. Each task costs the worker some milliseconds of its own (taking
# it, loading it, a connection); a worker told to stop hands back the rest of its chunk at once.
DELIVERY_CHUNK = 500


def lifetime_for(organization, kind) -> timedelta:
    if kind == Invitation.Kind.SUPPLIER_CODE:
        return organization.code_lifetime
    return organization.link_lifetime


def _draw_secret(invitation: Invitation, now) -> None:
    invitation.secret_salt, invitation.secret_hash = new_secret(invitation.kind)
    invitation.expires_at = now + lifetime_for(invitation.organization, invitation.kind)
    invitation.used_at = None
    invitation.failed_attempts = 0


def build_invitation(
    *,
    organization,
    kind,
    email,
    by=None,
    partner=None,
    user=None,
    first_name="",
    last_name="",
    phone="",
    language=None,
    now=None,
) -> Invitation:
    """An unsaved invitation with a fresh secret (for bulk_create by the importers)."""
    now = now or timezone.now()
    invitation = Invitation(
        organization=organization,
        kind=kind,
        email=email,
        partner=partner,
        user=user,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        language=language or organization.language,
        invited_by=by if by is not None and by.is_authenticated else None,
    )
    _draw_secret(invitation, now)
    return invitation


@transaction.atomic
def issue_invitation(
    *, organization, kind, email, by=None, partner=None, user=None, language=None, **fields
) -> Invitation:
    """Create one invitation and queue its email, in the caller's transaction: issue_invitations
    for one person."""
    person = {"email": email, "partner_id": partner and partner.pk, "user_id": user and user.pk, **fields}
    if language:
        person["language"] = language
    (pk,) = issue_invitations(organization=organization, kind=kind, people=[person], by=by)
    return Invitation.objects.select_related("organization", "partner", "user").get(pk=pk)


# No savepoint: an import calls this once per chunk, and PostgreSQL slows down every session
# once a transaction has more than 64 subtransactions.
@transaction.atomic(savepoint=False)
def issue_invitations(*, organization, kind, people, by=None, now=None, enqueue=True) -> list[int]:
    """Create one invitation per person, already queued, with its audit event, and enqueue the
    emails, without a model instance per row (the importers invite thousands at once).

    `people` are dicts with the same keys, taken from the invitation's own fields by attname
    (email, and any of partner_id, user_id, first_name, last_name, phone, language). Returns
    the new invitations' ids, in order. With `enqueue=False` the caller enqueues their emails
    later in the same transaction, with enqueue_first_emails.
    """
    now = now or timezone.now()
    common = {
        "organization_id": organization.pk,
        "kind": kind,
        # Created and queued at once: the delivery tasks are enqueued below (or by the caller),
        # in this transaction.
        "state": lifecycle.target("queue"),
        "invited_by_id": by.pk if by is not None and by.is_authenticated else None,
        "expires_at": now + lifetime_for(organization, kind),
        "language": organization.language,
    }
    rows = []
    for person in people:
        salt, secret_hash = new_secret(kind)
        rows.append({**common, **person, "secret_salt": salt, "secret_hash": secret_hash})
    ids = insert_rows(Invitation, rows)
    record_many(
        (
            {
                "organization_id": organization.pk,
                "action": AuditEvent.Action.CREATED,
                "actor_id": common["invited_by_id"],
                "user_id": row.get("user_id"),
                "invitation_id": pk,
                "detail": row["email"],
            }
            for row, pk in zip(rows, ids, strict=True)
        ),
    )
    if enqueue:
        enqueue_first_emails(ids)
    return ids


def enqueue_first_emails(ids) -> None:
    """Enqueue the delivery tasks of invitations that issue_invitations created."""
    enqueue_delivery_tasks([[pk, 1] for pk in ids])  # a new invitation's generation is 1


def queue_emails(invitations) -> None:
    """Move the invitations to `queued` and enqueue their delivery tasks, one per chunk.

    Must run inside the transaction that created or changed them: the task queue lives in the
    same database, so a rollback leaves neither invitations nor tasks behind.
    """
    invitations = list(invitations)
    for inv in invitations:
        lifecycle.move(inv, "queue")
        inv.delivery_error = ""
    Invitation.objects.filter(lifecycle.may("queue"), pk__in=[inv.pk for inv in invitations]).update(
        state=lifecycle.target("queue"), delivery_error="", updated_at=timezone.now()
    )
    enqueue_delivery_tasks([[inv.pk, inv.generation] for inv in invitations])


def enqueue_delivery_tasks(pairs) -> None:
    """Enqueue the delivery tasks of queued invitations given as [id, generation] pairs, one
    task per chunk; in the transaction that queued them, as queue_emails says."""
    for start in range(0, len(pairs), DELIVERY_CHUNK):
        deliver_invitations.enqueue(pairs[start : start + DELIVERY_CHUNK])


@transaction.atomic
def resend_invitation(*, invitation: Invitation, by=None, now=None) -> Invitation:
    """A fresh secret, a new email; the old link or code stops working at once, and whoever
    holds it is told that a newer one was sent (ReplacedSecret)."""
    now = now or timezone.now()
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    action = (
        AuditEvent.Action.RENEWED
        if invitation.state == Invitation.State.EXPIRED
        else AuditEvent.Action.RESENT
    )
    lifecycle.move(invitation, "resend")
    ReplacedSecret.objects.create(invitation=invitation, secret_hash=invitation.secret_hash, replaced_at=now)
    invitation.generation += 1
    _draw_secret(invitation, now)
    invitation.sent_at = None
    invitation.delivery_attempts = 0
    # A worker may be sending the old message right now: its claim no longer holds.
    invitation.sending_at = None
    invitation.interrupted_sends = 0
    invitation.save()
    record(
        organization=invitation.organization,
        action=action,
        actor=by,
        user=invitation.user,
        invitation=invitation,
    )
    queue_emails([invitation])
    return invitation


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, by=None) -> Invitation:
    """The link or code stops working at once; the invitation stays in the list as revoked."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    lifecycle.move(invitation, "revoke")
    invitation.save(update_fields=["state", "updated_at"])
    record(
        organization=invitation.organization,
        action=AuditEvent.Action.REVOKED,
        actor=by,
        user=invitation.user,
        invitation=invitation,
    )
    return invitation


def expire_overdue_invitations(*, now=None) -> int:
    """Move pending invitations past their expiry to `expired`, with an audit event each."""
    now = now or timezone.now()
    expired = 0
    overdue = Invitation.objects.pending().filter(expires_at__lte=now).values_list("pk", flat=True)
    for pk in list(overdue[:10000]):
        with transaction.atomic():
            invitation = Invitation.objects.select_for_update().select_related("organization").get(pk=pk)
            expired += expire_invitation(invitation, now=now)
    return expired


def expire_invitation(invitation: Invitation, *, now=None) -> bool:
    """Move one pending invitation past its expiry, locked by the caller, to `expired`, with its
    audit event; False for one that is not."""
    if not lifecycle.allowed("expire", invitation.state) or not invitation.is_expired(now):
        return False
    lifecycle.move(invitation, "expire")
    invitation.save(update_fields=["state", "updated_at"])
    record(
        organization=invitation.organization,
        action=AuditEvent.Action.EXPIRED,
        user=invitation.user,
        invitation=invitation,
    )
    return True


# The audit event of each way an invitation is used.
USED_ACTIONS = {"register": AuditEvent.Action.REGISTERED, "activate": AuditEvent.Action.ACTIVATED}


def mark_used(invitation: Invitation, *, event: str, user, actor=None, detail: str = "", now=None) -> None:
    """The person used the link or code (`event`: register or activate): it works no more, and
    the audit trail says who."""
    lifecycle.move(invitation, event)
    invitation.used_at = now or timezone.now()
    invitation.save(update_fields=["used_at", "state", "updated_at"])
    record(
        organization=invitation.organization,
        action=USED_ACTIONS[event],
        actor=actor,
        user=user,
        invitation=invitation,
        detail=detail,
    )
