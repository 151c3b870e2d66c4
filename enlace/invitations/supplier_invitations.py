"""Invite suppliers to the network: each invitation carries its own activation code.

An address that already has a pending invitation for the same supplier gets that invitation
resent (a fresh code, the old one dead) instead of a second one, so a supplier never holds two
live codes for one mailbox.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enlace.accounts.models import User
from enlace.audit.models import AuditEvent
from enlace.invitations.models import Invitation
from enlace.invitations.services import build_invitation, queue_emails, resend_invitation
from enlace.lib.errors import DomainError
from enlace.lib.forms import normalize_email
from enlace.partners.models import Partner

ALREADY_REGISTERED = "already_registered"
NO_EMAIL = "no_email"
EMAIL_TAKEN = "email_taken"

SKIP_REASONS = {
    ALREADY_REGISTERED: _("already registered"),
    NO_EMAIL: _("no email"),
    EMAIL_TAKEN: _("its email already belongs to a user"),
}


@dataclass
class InviteOutcome:
    """What an invitation request did: invitations issued or resent, and suppliers skipped."""

    invitations: list = field(default_factory=list)
    resent: int = 0
    skipped: list = field(default_factory=list)  # (partner, reason code)

    @property
    def invited(self) -> int:
        return len(self.invitations)


def clean_emails(emails) -> list[str]:
    """Every address normalized, duplicates removed; DomainError naming each bad one.

    An address that already belongs to a user cannot register again, so it is refused too.
    """
    cleaned, bad, taken = [], [], []
    for raw in emails:
        raw = (raw or "").strip()
        if not raw:
            continue
        try:
            email = normalize_email(raw)
        except ValidationError:
            bad.append(raw)
            continue
        if email not in cleaned:
            cleaned.append(email)
    if bad:
        raise DomainError(
            "invalid_emails",
            _("These addresses are not valid: %(emails)s. Nobody was invited.") % {"emails": ", ".join(bad)},
            emails=bad,
        )
    taken = emails_in_use(cleaned)
    if taken:
        raise DomainError(
            "emails_taken",
            _("These addresses already belong to a user: %(emails)s. Nobody was invited.")
            % {"emails": ", ".join(taken)},
            emails=taken,
        )
    if not cleaned:
        raise DomainError("no_emails", _("Enter at least one email address."))
    return cleaned


def emails_in_use(emails) -> list[str]:
    if not emails:
        return []
    # The unique index on lower(email) leaves out empty emails: saying so lets it serve this.
    users = User.objects.annotate(lower_email=Lower("email")).exclude(email="")
    return sorted(users.filter(lower_email__in=list(emails)).values_list("lower_email", flat=True))


def _check_supplier(organization, partner) -> None:
    if partner.organization_id != organization.pk or partner.kind != Partner.Kind.SUPPLIER:
        raise DomainError("wrong_partner", _("Choose a supplier of this organization."))


def _invite(*, organization, pairs, by, outcome: InviteOutcome) -> None:
    """Issue or resend one invitation per (partner, email), queued in one go."""
    now = timezone.now()
    pending = {
        (inv.partner_id, inv.email.lower()): inv
        for inv in Invitation.objects.pending().filter(
            organization=organization,
            kind=Invitation.Kind.SUPPLIER_CODE,
            partner_id__in={partner.pk for partner, _email in pairs},
        )
    }
    fresh = []
    for partner, email in pairs:
        existing = pending.get((partner.pk, email))
        if existing is not None:
            outcome.invitations.append(resend_invitation(invitation=existing, by=by, now=now))
            outcome.resent += 1
            continue
        fresh.append(
            build_invitation(
                organization=organization,
                kind=Invitation.Kind.SUPPLIER_CODE,
                email=email,
                by=by,
                partner=partner,
                now=now,
            )
        )
    if not fresh:
        return
    Invitation.objects.bulk_create(fresh)
    if any(inv.pk is None for inv in fresh):  # a backend that returns no ids from bulk inserts
        hashes = {inv.secret_hash: inv for inv in fresh}
        for pk, secret_hash in Invitation.objects.filter(secret_hash__in=hashes).values_list(
            "pk", "secret_hash"
        ):
            hashes[secret_hash].pk = pk
    actor = by if by is not None and by.is_authenticated else None
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=organization,
            action=AuditEvent.Action.CREATED,
            actor=actor,
            invitation=inv,
            detail=inv.email,
        )
        for inv in fresh
    )
    queue_emails(fresh)
    outcome.invitations.extend(fresh)


@transaction.atomic
def invite_partner(*, organization, partner, emails, by) -> InviteOutcome:
    """Invite one supplier at one or more addresses, each with its own code.

    Every address is validated first: one bad address invites nobody.
    """
    _check_supplier(organization, partner)
    cleaned = clean_emails(emails)
    outcome = InviteOutcome()
    _invite(organization=organization, pairs=[(partner, email) for email in cleaned], by=by, outcome=outcome)
    return outcome


@transaction.atomic
def invite_selected(*, organization, partners, by) -> InviteOutcome:
    """Invite each chosen supplier at its primary email; registered ones and ones without an
    email are skipped, and the outcome says which and why."""
    outcome = InviteOutcome()
    pairs = []
    for partner in partners:
        _check_supplier(organization, partner)
        if partner.company.registered_at is not None:
            outcome.skipped.append((partner, ALREADY_REGISTERED))
        elif not partner.email:
            outcome.skipped.append((partner, NO_EMAIL))
        else:
            pairs.append((partner, partner.email.lower()))
    taken = set(emails_in_use(email for _partner, email in pairs))
    outcome.skipped += [(partner, EMAIL_TAKEN) for partner, email in pairs if email in taken]
    pairs = [(partner, email) for partner, email in pairs if email not in taken]
    if pairs:
        _invite(organization=organization, pairs=pairs, by=by, outcome=outcome)
    return outcome
