"""Finding an invitation by its secret: the emailed link's token or the typed activation code.

Every way in by a secret goes through here, so that the checks (known, unused, pending, not
expired, not locked) are stated once and the refusal always carries the same error type.

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
from enlace.invitations.models import Invitation
from enlace.lib.errors import DomainError

# Refused submissions made with one code before it is locked; resending draws a new code and
# resets the count.
MAX_FAILED_ATTEMPTS = 10
PROOF_SALT = "enlace.invitations.lookup.proof"


class InvitationInvalid(DomainError):
    """A link or code that is unknown, used, expired or revoked. One page for every reason, so
    that the page tells nobody which secrets exist."""

    def __init__(self, reason: str):
        super().__init__("invitation_invalid", _("This link or code is no longer valid."), reason=reason)
        self.reason = reason


class CodeRefused(InvitationInvalid):
    """A code that cannot be used, with the invitation when the code was a real one."""

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.invitation = invitation


def find_by_token(token: str, *, kind, lock=False, now=None) -> Invitation:
    """The usable invitation whose link token this is, or InvitationInvalid."""
    qs = Invitation.objects.select_related("organization", "user", "partner")
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        invitation = qs.get(secret_hash=secrets.hash_secret(token or ""), kind=kind)
    except Invitation.DoesNotExist:
        raise InvitationInvalid("unknown") from None
    check_usable(invitation, now=now)
    return invitation


def check_usable(invitation: Invitation, *, now=None) -> None:
    if invitation.used_at is not None or not invitation.is_pending:
        raise InvitationInvalid("used" if invitation.used_at else invitation.state)
    if invitation.is_expired(now):
        raise InvitationInvalid("expired")


def find_by_code(typed: str, *, lock=False, now=None) -> Invitation:
    """The usable supplier invitation for a typed code (any case, with or without dashes or
    spaces), or CodeRefused with the reason: malformed, unknown, locked, used, expired ..."""
    code = secrets.normalize_code(typed or "")
    if not code:
        raise CodeRefused("malformed")
    qs = Invitation.objects.select_related("organization", "partner", "partner__company")
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        invitation = qs.get(secret_hash=secrets.hash_secret(code), kind=Invitation.Kind.SUPPLIER_CODE)
    except Invitation.DoesNotExist:
        raise CodeRefused("unknown") from None
    _check_code_usable(invitation, now=now)
    return invitation


def _check_code_usable(invitation: Invitation, *, now=None) -> None:
    if invitation.partner_id is None:
        raise CodeRefused("unknown")
    try:
        check_usable(invitation, now=now)
    except InvitationInvalid as error:
        raise CodeRefused(error.reason, invitation) from None
    if invitation.failed_attempts >= MAX_FAILED_ATTEMPTS:
        raise CodeRefused("locked", invitation)


def proof_of(invitation: Invitation) -> str:
    """What a browser keeps between the steps of a flow instead of the secret: a keyed hash
    (HMAC-SHA256 with the server's key) of the invitation's id, kind and secret hash. The secret
    cannot be recovered from it, a copy of the database cannot make one, and it stops working
    when the secret changes (resend, renew)."""
    value = f"{invitation.pk}:{invitation.kind}:{invitation.secret_hash}"
    return salted_hmac(PROOF_SALT, value, algorithm="sha256").hexdigest()


def find_by_proof(invitation_id: int, proof: str, *, kind, now=None) -> Invitation:
    """The usable invitation that `proof` (proof_of) was made for, checked as its secret would
    be: InvitationInvalid otherwise, CodeRefused for a supplier code."""
    qs = Invitation.objects.select_related("organization", "user", "partner", "partner__company")
    invitation = qs.filter(pk=invitation_id, kind=kind).first()
    valid = invitation is not None and constant_time_compare(proof, proof_of(invitation))
    if kind == Invitation.Kind.SUPPLIER_CODE:
        if not valid:
            raise CodeRefused("unknown")
        _check_code_usable(invitation, now=now)
    else:
        if not valid:
            raise InvitationInvalid("unknown")
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
