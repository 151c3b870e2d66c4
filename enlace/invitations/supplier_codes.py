"""Activation codes for suppliers: the one rule for sending a supplier's person a code.

An address that already has a pending invitation for the same supplier never gets a second one,
so a supplier never holds two live codes for one mailbox: that invitation is resent (a fresh
code, the old one dead) when the admin asks for it (inviting from the directory, or an import
with fresh codes chosen), else it is kept as it is (a re-uploaded file must not kill the codes
already emailed). The supplier directory, the API and the suppliers import all send
codes through `send_codes`; the import calls it once per chunk of rows.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from enlace.invitations.models import Invitation
from enlace.invitations.services import issue_invitations, resend_invitation


@dataclass
class SentCodes:
    """The invitations resent, the ids of those issued, and the pending ones kept as they were."""

    resent: list[Invitation] = field(default_factory=list)
    issued: list[int] = field(default_factory=list)
    kept: list[Invitation] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.resent) + len(self.issued)


def pending_codes(*, organization, pairs) -> dict:
    """The pending activation-code invitations of these (partner id, normalized email) pairs."""
    pairs = list(pairs)
    return {
        (invitation.partner_id, invitation.email.lower()): invitation
        for invitation in Invitation.objects.pending().filter(
            organization=organization,
            kind=Invitation.Kind.SUPPLIER_CODE,
            partner_id__in={partner_id for partner_id, _email in pairs},
        )
    }


def send_codes(*, organization, pairs, by=None, resend_pending=True, now=None) -> SentCodes:
    """An activation code for each (partner id, normalized email) pair: a new invitation, or,
    for a pair with a pending one, that one resent (`resend_pending`) or kept. Their emails are
    queued in the caller's transaction; the new invitations are written in bulk, with their
    audit events."""
    now = now or timezone.now()
    pairs = list(pairs)
    pending = pending_codes(organization=organization, pairs=pairs)
    sent, fresh = SentCodes(), []
    for partner_id, email in pairs:
        invitation = pending.get((partner_id, email))
        if invitation is not None and not resend_pending:
            sent.kept.append(invitation)
        elif invitation is not None:
            sent.resent.append(resend_invitation(invitation=invitation, by=by, now=now))
        else:
            fresh.append({"email": email, "partner_id": partner_id})
    if fresh:
        sent.issued = issue_invitations(
            organization=organization, kind=Invitation.Kind.SUPPLIER_CODE, people=fresh, by=by, now=now
        )
    return sent
