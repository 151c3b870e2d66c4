"""Invite suppliers to the network: each invitation carries its own activation code.

The addresses are checked first (valid, not already one of the organization's people:
accounts.services.emails_in_use, which is why this lives in accounts); the codes are sent by
invitations.supplier_codes, which resends a pending invitation instead of issuing a second one.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from enlace.accounts.services import emails_in_use
from enlace.invitations.models import Invitation
from enlace.invitations.supplier_codes import send_codes
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


def clean_emails(emails, *, organization) -> list[str]:
    """Every address normalized, duplicates removed; one DomainError naming every refused one.

    An address that already belongs to one of the organization's people cannot register again,
    so it is refused too (another organization's people may: they join with their account).
    The error's `fields` gives, for the position in `emails` of each refused address, why.
    """
    cleaned, bad, fields, positions = [], [], {}, {}
    for position, raw in enumerate(emails):
        raw = (raw or "").strip()
        if not raw:
            continue
        try:
            email = normalize_email(raw)
        except ValidationError:
            bad.append(raw)
            fields[position] = _("Enter a valid email address.")
            continue
        if email not in positions:
            positions[email] = position
            cleaned.append(email)
    taken = sorted(emails_in_use(cleaned, organization=organization))
    for email in taken:
        fields[positions[email]] = _("A user with this email already exists.")
    if bad or taken:
        sentences = []
        if bad:
            sentences.append(
                ngettext(
                    "This address is not valid: %(emails)s.",
                    "These addresses are not valid: %(emails)s.",
                    len(bad),
                )
                % {"emails": ", ".join(bad)}
            )
        if taken:
            sentences.append(
                ngettext(
                    "This address already belongs to a user: %(emails)s.",
                    "These addresses already belong to a user: %(emails)s.",
                    len(taken),
                )
                % {"emails": ", ".join(taken)}
            )
        sentences.append(str(_("Nobody was invited.")))
        raise DomainError(
            "invalid_emails" if bad else "emails_taken",
            " ".join(sentences),
            emails=bad + taken,
            fields=dict(sorted(fields.items())),
        )
    if not cleaned:
        raise DomainError("no_emails", _("Enter at least one email address."))
    return cleaned


def _check_supplier(organization, partner) -> None:
    if partner.organization_id != organization.pk or partner.kind != Partner.Kind.SUPPLIER:
        raise DomainError("wrong_partner", _("Choose a supplier of this organization."))


def _invite(*, organization, pairs, by, outcome: InviteOutcome) -> None:
    """Send a code to each (partner, email): resent if pending, else issued (send_codes)."""
    sent = send_codes(
        organization=organization, pairs=[(partner.pk, email) for partner, email in pairs], by=by
    )
    outcome.resent += len(sent.resent)
    outcome.invitations += sent.resent
    outcome.invitations += Invitation.objects.filter(pk__in=sent.issued).order_by("pk")


@transaction.atomic
def invite_partner(*, organization, partner, emails, by) -> InviteOutcome:
    """Invite one supplier at one or more addresses, each with its own code.

    Every address is validated first: one bad address invites nobody.
    """
    _check_supplier(organization, partner)
    cleaned = clean_emails(emails, organization=organization)
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
    taken = emails_in_use((email for _partner, email in pairs), organization=organization)
    outcome.skipped += [(partner, EMAIL_TAKEN) for partner, email in pairs if email in taken]
    pairs = [(partner, email) for partner, email in pairs if email not in taken]
    if pairs:
        _invite(organization=organization, pairs=pairs, by=by, outcome=outcome)
    return outcome
