"""Finding an invitation by its secret: the emailed link's token or the typed activation code.

Every way in by a secret goes through here, so that the checks (known, unused, pending, not
expired, not locked) are stated once and the refusal always carries the same error type.
A secret that a resend replaced is still recognised, to say so to whoever holds it.

Between the steps of a flow the browser holds a proof of the invitation instead of its secret
(proof_of, find_by_proof): the secret itself is never kept, neither in the session table nor in
a cookie.
"""

from django.db import transaction
from django.db.models import F
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations import secrets
from enlace.invitations.models import Invitation, ReplacedSecret
from enlace.lib.errors import DomainError

# Refused submissions made with one code before it is locked; resending draws a new code and
# resets the count.
MAX_FAILED_ATTEMPTS = 10
PROOF_SALT = "enlace.invitations.lookup.proof"


class InvitationInvalid(DomainError):
    """A link or code that does not open its invitation: unknown, used, expired, replaced,
    revoked ... `invitation` is set only when the secret was a real one, current or replaced,
    so that only whoever holds one learns why; an unknown secret tells nothing about which
    secrets exist. For a replaced one, `replaced_at` is when the newest secret was sent."""

    def __init__(self, reason: str, invitation: Invitation | None = None, replaced_at=None):
        super().__init__("invitation_invalid", _("This link or code is no longer valid."), reason=reason)
        self.reason = reason
        self.invitation = invitation
        self.replaced_at = replaced_at


class CodeRefused(InvitationInvalid):
    """A supplier code that cannot be used (the reasons of InvitationInvalid, and malformed or
    locked)."""


def find_by_token(token: str, *, kind, lock=False, now=None) -> Invitation:
    """The usable invitation whose link token this is, or InvitationInvalid."""
    qs = Invitation.objects.select_related("organization", "user", "partner")
    if lock:
        qs = qs.select_for_update(of=("self",))
    secret_hash = secrets.hash_secret(token or "")
    try:
        invitation = qs.get(secret_hash=secret_hash, kind=kind)
    except Invitation.DoesNotExist:
        raise _refusal_of_replaced(secret_hash, kind=kind, now=now) from None
    check_usable(invitation, now=now)
    return invitation


def check_usable(invitation: Invitation, *, now=None) -> None:
    if invitation.used_at is not None or not invitation.is_pending:
        raise InvitationInvalid("used" if invitation.used_at else invitation.state, invitation)
    if invitation.is_expired(now):
        raise InvitationInvalid("expired", invitation)


def _refusal_of_replaced(secret_hash: str, *, kind, now=None) -> InvitationInvalid:
    """The refusal of a secret that is no invitation's current one: "unknown", or, for one that
    a resend replaced, why its invitation does not open now (used, expired ...) or else
    "replaced". The holder of an old link learns what the newest one would tell them."""
    replaced = (
        ReplacedSecret.objects.select_related("invitation__organization", "invitation__user")
        .filter(secret_hash=secret_hash, invitation__kind=kind)
        .first()
    )
    if replaced is None:
        return InvitationInvalid("unknown")
    return _refusal_of_old_secret(replaced.invitation, now=now)


def _refusal_of_old_secret(invitation: Invitation, *, now=None) -> InvitationInvalid:
    try:
        check_usable(invitation, now=now)
    except InvitationInvalid as error:
        return error
    newest = invitation.replaced_secrets.order_by("-replaced_at").values_list("replaced_at", flat=True)
    return InvitationInvalid("replaced", invitation, replaced_at=newest.first())


def find_by_code(typed: str, *, lock=False, now=None) -> Invitation:
    """The usable supplier invitation for a typed code (any case, with or without dashes or
    spaces), or CodeRefused with the reason: malformed, unknown, locked, used, expired,
    replaced ..."""
    code = secrets.normalize_code(typed or "")
    if not code:
        raise CodeRefused("malformed")
    qs = Invitation.objects.select_related("organization", "partner", "partner__company")
    if lock:
        qs = qs.select_for_update(of=("self",))
    secret_hash = secrets.hash_secret(code)
    try:
        invitation = qs.get(secret_hash=secret_hash, kind=Invitation.Kind.SUPPLIER_CODE)
    except Invitation.DoesNotExist:
        error = _refusal_of_replaced(secret_hash, kind=Invitation.Kind.SUPPLIER_CODE, now=now)
        raise _as_code_refusal(error) from None
    _check_code_usable(invitation, now=now)
    return invitation


def _as_code_refusal(error: InvitationInvalid) -> CodeRefused:
    if error.invitation is not None and error.invitation.partner_id is None:
        return CodeRefused("unknown")
    return CodeRefused(error.reason, error.invitation, error.replaced_at)


def _check_code_usable(invitation: Invitation, *, now=None) -> None:
    if invitation.partner_id is None:
        raise CodeRefused("unknown")
    try:
        check_usable(invitation, now=now)
    except InvitationInvalid as error:
        raise _as_code_refusal(error) from None
    if invitation.failed_attempts >= MAX_FAILED_ATTEMPTS:
        raise CodeRefused("locked", invitation)


def proof_of(invitation: Invitation, secret_hash: str | None = None) -> str:
    """What a browser keeps between the steps of a flow instead of the secret: a keyed hash
    (HMAC-SHA256 with the server's key) of the invitation's id, kind and the hash of the secret
    it was opened with (the current one unless told). The secret cannot be recovered from it, a
    copy of the database cannot make one, and it stops opening the invitation when the secret
    changes (resend, renew): it then proves only that its holder had the replaced secret."""
    value = f"{invitation.pk}:{invitation.kind}:{secret_hash or invitation.secret_hash}"
    return salted_hmac(PROOF_SALT, value, algorithm="sha256").hexdigest()


def find_by_proof(invitation_id: int, proof: str, *, kind, now=None) -> Invitation:
    """The usable invitation that `proof` (proof_of) was made for, checked as its secret would
    be: InvitationInvalid otherwise (a proof of a replaced secret as that secret would be), and
    CodeRefused for a supplier code."""
    qs = Invitation.objects.select_related("organization", "user", "partner", "partner__company")
    invitation = qs.filter(pk=invitation_id, kind=kind).first()
    error = None
    if invitation is None:
        error = InvitationInvalid("unknown")
    elif not constant_time_compare(proof, proof_of(invitation)):
        old = invitation.replaced_secrets.values_list("secret_hash", flat=True)
        if any(constant_time_compare(proof, proof_of(invitation, secret_hash)) for secret_hash in old):
            error = _refusal_of_old_secret(invitation, now=now)
        else:
            error = InvitationInvalid("unknown")
    if kind == Invitation.Kind.SUPPLIER_CODE:
        if error is not None:
            raise _as_code_refusal(error)
        _check_code_usable(invitation, now=now)
    else:
        if error is not None:
            raise error
        check_usable(invitation, now=now)
    return invitation


@transaction.atomic
def note_failed_attempt(*, invitation: Invitation) -> int:
    """Count one refused submission made with this code; the tenth locks it (audited)."""
    Invitation.objects.filter(pk=invitation.pk).update(failed_attempts=F("failed_attempts") + 1)
    attempts = Invitation.objects.values_list("failed_attempts", flat=True).get(pk=invitation.pk)
    if attempts == MAX_FAILED_ATTEMPTS:
        record(
            organization=invitation.organization,
            action=AuditEvent.Action.LOCKED,
            invitation=invitation,
            detail=invitation.email,
        )
    return attempts
