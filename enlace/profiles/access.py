"""Who reads a company's profile, and how much of its bank details.

- The company's own people (its registered supplier users, in any organization): the whole
  profile, bank account numbers in full; they edit it.
- A buyer's staff, for a company that is one of the buyer's suppliers: the whole profile;
  account numbers in full for admins, masked (the last four characters) for members.
- Anyone else: nothing (the pages answer 404).

The files of the profile's documents follow the same rule (`reads_profile`).
"""

from dataclasses import replace

from django.shortcuts import get_object_or_404

from enlace.accounts.models import User
from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.partners.models import Company, Partner
from enlace.profiles.banking import mask
from enlace.profiles.fields import BANK_ACCOUNTS


def company_of(user) -> Company | None:
    """The company whose profile the signed-in person edits: the one of the supplier they act for."""
    if not user.is_authenticated or user.profile != User.Profile.SUPPLIER or user.partner_id is None:
        return None
    return user.partner.company


def supplier_of(membership, partner_id: int) -> Partner | None:
    """The buyer's supplier `partner_id`, for a member of the buyer's staff; None for another
    organization's partner, a customer, or someone who is no staff member."""
    if membership is None:
        return None
    return (
        Partner.objects.select_related("company")
        .filter(organization=membership.organization_id, kind=Partner.Kind.SUPPLIER, pk=partner_id)
        .first()
    )


def reads_profile(user, membership, company_id: int) -> bool:
    """Whether the person reads the profile of company `company_id`: one of its own people, or
    staff of a buyer (the organization they act for now) that has it as a supplier."""
    own = company_of(user)
    if own is not None:
        return own.pk == company_id
    if membership is None:
        return False
    return Partner.objects.filter(
        organization=membership.organization_id, kind=Partner.Kind.SUPPLIER, company=company_id
    ).exists()


def supplier_in(organization, partner_id: int) -> Partner:
    """The organization's supplier `partner_id` (for an API key); Http404 for any other."""
    return get_object_or_404(
        Partner.objects.select_related("company", "organization"),
        organization=organization,
        kind=Partner.Kind.SUPPLIER,
        pk=partner_id,
    )


def supplier_record(organization, company) -> Partner | None:
    """The organization's supplier record of the company; None if it has none."""
    return Partner.objects.filter(
        organization=organization, company=company, kind=Partner.Kind.SUPPLIER
    ).first()


def note_buyer_read(*, organization, company, by, name: str) -> None:
    """A buyer's staff member (or, `by` None, one of its API keys) downloaded one of the
    company's files (a document, a file answer): written to the buyer's audit trail. The
    company's own people reading their files are not recorded."""
    record(
        organization=organization,
        action=AuditEvent.Action.SUPPLIER_FILE_READ,
        actor=by,
        partner=supplier_record(organization, company),
        detail=name,
    )


def masks_bank_numbers(membership) -> bool:
    """Whether a buyer's staff member reads account numbers masked: members do, admins do not."""
    return not membership.is_admin


def masked(data: dict) -> dict:
    """The profile's data with every account number masked."""
    accounts = [{**account, "number": mask(account["number"])} for account in data.get(BANK_ACCOUNTS, [])]
    return {**data, BANK_ACCOUNTS: accounts}


def masked_change(change):
    """A change as a member reads it: account numbers masked, the fact that they changed kept."""
    if change.section != BANK_ACCOUNTS:
        return change
    if change.field == "number":
        return replace(change, old=mask(change.old), new=mask(change.new))
    if not change.field:
        item = change.new if change.old is None else change.old
        hidden = {**item, "number": mask(item["number"])}
        return replace(
            change, old=None if change.old is None else hidden, new=None if change.new is None else hidden
        )
    return change
