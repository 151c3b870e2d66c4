"""Invitation lifecycle: issue, queue for delivery, resend, renew, revoke, expire, look up."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations import secrets
from enlace.invitations.models import Invitation
from enlace.lib.bulk import insert_rows
from enlace.lib.errors import DomainError

# Invitations per delivery task. Each task costs the worker some milliseconds of its own (taking
# it, loading it, a connection); a worker told to stop hands back the rest of its chunk at once.
DELIVERY_CHUNK = 500


def lifetime_for(organization, kind) -> timedelta:
    if kind == Invitation.Kind.SUPPLIER_CODE:
        return organization.code_lifetime
    return organization.link_lifetime


def _new_secret(invitation: Invitation, now) -> None:
    invitation.secret_salt, invitation.secret_hash = new_secret(invitation.kind)
    invitation.expires_at = now + lifetime_for(invitation.organization, invitation.kind)
    invitation.used_at = None
    invitation.failed_attempts = 0


def new_secret(kind) -> tuple[str, str]:
    """A fresh salt for an invitation of `kind`, and the hash of the secret derived from it."""
    salt = secrets.new_salt()
    return salt, secrets.hash_secret(_derive_secret(kind, salt))


def secret_of(invitation: Invitation) -> str:
    """The invitation's current secret in the form the person receives it."""
    return _derive_secret(invitation.kind, invitation.secret_salt)


def _derive_secret(kind, salt: str) -> str:
    if kind == Invitation.Kind.SUPPLIER_CODE:
        return secrets.derive_code(salt)
    return secrets.derive_token(salt)


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
    _new_secret(invitation, now)
    return invitation


@transaction.atomic
def issue_invitation(*, organization, kind, email, by=None, **fields) -> Invitation:
    """Create one invitation and queue its email, in the caller's transaction."""
    invitation = build_invitation(organization=organization, kind=kind, email=email, by=by, **fields)
    invitation.save()
    record(
        organization=organization,
        action=AuditEvent.Action.CREATED,
        actor=by,
        user=invitation.user,
        invitation=invitation,
        detail=email,
    )
    queue_delivery([invitation])
    return invitation


# No savepoint: an import calls this once per chunk, and PostgreSQL slows down every session
# once a transaction has more than 64 subtransactions.
@transaction.atomic(savepoint=False)
def issue_invitations(*, organization, kind, people, by=None, now=None, enqueue=True) -> list[int]:
    """Create one invitation per person, already queued, with its audit event, and enqueue the
    emails: issue_invitation for the importers' thousands, without a model instance per row.

    `people` are dicts with the same keys, taken from the invitation's own fields by attname
    (email, and any of partner_id, user_id, first_name, last_name, phone, language). Returns
    the new invitations' ids, in order. With `enqueue=False` the caller enqueues their emails
    later in the same transaction, with enqueue_new_invitations.
    """
    now = now or timezone.now()
    common = {
        "organization_id": organization.pk,
        "kind": kind,
        # Queued from the start: the delivery tasks are enqueued below (or by the caller), in
        # this transaction.
        "state": Invitation.State.QUEUED,
        "invited_by_id": by.pk if by is not None and by.is_authenticated else None,
        "expires_at": now + lifetime_for(organization, kind),
        "language": organization.language,
    }
    rows = []
    for person in people:
        salt, secret_hash = new_secret(kind)
        rows.append({**common, **person, "secret_salt": salt, "secret_hash": secret_hash})
    ids = insert_rows(Invitation, rows)
    insert_rows(
        AuditEvent,
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
        enqueue_new_invitations(ids)
    return ids


def enqueue_new_invitations(ids) -> None:
    """Enqueue the delivery tasks of invitations that issue_invitations created."""
    enqueue_deliveries([[pk, 1] for pk in ids])  # a new invitation's generation is 1


def queue_delivery(invitations) -> None:
    """Mark the invitations queued and enqueue their delivery tasks, one per chunk.

    Must run inside the transaction that created or changed them: the task queue lives in the
    same database, so a rollback leaves neither invitations nor tasks behind.
    """
    invitations = list(invitations)
    ids = [inv.pk for inv in invitations]
    Invitation.objects.filter(pk__in=ids).update(
        state=Invitation.State.QUEUED, delivery_error="", updated_at=timezone.now()
    )
    for inv in invitations:
        inv.mark_queued()
    enqueue_deliveries([[inv.pk, inv.generation] for inv in invitations])


def enqueue_deliveries(pairs) -> None:
    """Enqueue the delivery tasks of queued invitations given as [id, generation] pairs, one
    task per chunk; in the transaction that queued them, as queue_delivery says."""
    from enlace.mail.tasks import deliver_invitations

    for start in range(0, len(pairs), DELIVERY_CHUNK):
        deliver_invitations.enqueue(pairs[start : start + DELIVERY_CHUNK])


@transaction.atomic
def resend_invitation(*, invitation: Invitation, by=None, now=None) -> Invitation:
    """A fresh secret, a new email; the old link or code stops working at once."""
    now = now or timezone.now()
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending and invitation.state != Invitation.State.EXPIRED:
        raise DomainError("not_pending", _("This invitation has already been used or revoked."))
    action = (
        AuditEvent.Action.RENEWED
        if invitation.state == Invitation.State.EXPIRED
        else AuditEvent.Action.RESENT
    )
    invitation.generation += 1
    _new_secret(invitation, now)
    invitation.state = Invitation.State.CREATED
    invitation.sent_at = None
    invitation.delivery_attempts = 0
    # A worker may be sending the old message right now: its claim no longer holds.
    invitation.sending_at = None
    invitation.interrupted_sends = 0
    invitation.save()
    if invitation.user_id and invitation.kind == Invitation.Kind.ACTIVATION:
        from enlace.accounts.services import reset_temporary_password

        reset_temporary_password(invitation=invitation)
    record(
        organization=invitation.organization,
        action=action,
        actor=by,
        user=invitation.user,
        invitation=invitation,
    )
    queue_delivery([invitation])
    return invitation


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, by=None) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending and invitation.state != Invitation.State.EXPIRED:
        raise DomainError("not_pending", _("This invitation has already been used or revoked."))
    invitation.state = Invitation.State.REVOKED
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
            if not invitation.is_pending or not invitation.is_expired(now):
                continue
            invitation.state = Invitation.State.EXPIRED
            invitation.save(update_fields=["state", "updated_at"])
            record(
                organization=invitation.organization,
                action=AuditEvent.Action.EXPIRED,
                user=invitation.user,
                invitation=invitation,
            )
            expired += 1
    return expired


def mark_used(invitation: Invitation, *, state, now=None) -> None:
    invitation.used_at = now or timezone.now()
    invitation.state = state
    invitation.save(update_fields=["used_at", "state", "updated_at"])
