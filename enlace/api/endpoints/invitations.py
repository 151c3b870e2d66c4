"""Invitations (the activation requests): invite suppliers, list, get, resend, revoke."""

from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from enlace.accounts import supplier_invitations
from enlace.accounts.services import resend
from enlace.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from enlace.api.schemas import (
    Error,
    FilterText,
    Id,
    InvitationKind,
    InvitationOut,
    InvitationPage,
    InvitationState,
)
from enlace.invitations import services
from enlace.invitations.models import Invitation
from enlace.partners.models import Partner

router = Router(tags=["Invitations"])
ERRORS = {400: Error, 401: Error, 404: Error, 409: Error, 422: Error, 429: Error}


class InvitationFilters(Schema):
    state: InvitationState | None = None
    kind: InvitationKind | None = None
    email: FilterText = Field("", max_length=254)
    partner_id: Id | None = None
    cursor: str | None = Field(None, max_length=100)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class SupplierInvitationIn(Schema):
    partner_id: Id
    emails: list[str] = Field(..., min_length=1, max_length=20)


class SelectedSuppliersIn(Schema):
    partner_ids: list[Id] = Field(..., min_length=1, max_length=1000)


class Skipped(Schema):
    partner_id: int
    reason: str


class InviteResult(Schema):
    invited: int
    resent: int
    invitations: list[InvitationOut]
    skipped: list[Skipped]


def invite_result(outcome) -> dict:
    return {
        "invited": outcome.invited,
        "resent": outcome.resent,
        "invitations": outcome.invitations,
        "skipped": [{"partner_id": partner.pk, "reason": reason} for partner, reason in outcome.skipped],
    }


def suppliers_of(organization):
    return Partner.objects.filter(organization=organization, kind=Partner.Kind.SUPPLIER).select_related(
        "company"
    )


@router.post("", response={201: InviteResult, **ERRORS}, operation_id="invite_supplier")
def invite_supplier(request, payload: SupplierInvitationIn):
    """Invite one supplier at one or more addresses, each with its own activation code; an
    address with a pending invitation gets a fresh code instead of a second invitation."""
    partner = get_object_or_404(suppliers_of(request.organization), pk=payload.partner_id)
    outcome = supplier_invitations.invite_partner(
        organization=request.organization, partner=partner, emails=payload.emails, by=None
    )
    return Status(201, invite_result(outcome))


@router.post("/selected", response={201: InviteResult, **ERRORS}, operation_id="invite_selected_suppliers")
def invite_selected_suppliers(request, payload: SelectedSuppliersIn):
    """Invite each supplier at its primary email; registered ones and ones without an email are
    skipped, with the reason."""
    partners = list(suppliers_of(request.organization).filter(pk__in=payload.partner_ids))
    if len(partners) != len(set(payload.partner_ids)):
        raise Http404
    outcome = supplier_invitations.invite_selected(
        organization=request.organization, partners=partners, by=None
    )
    return Status(201, invite_result(outcome))


def invitations_of(organization):
    return Invitation.objects.for_organization(organization).select_related("partner")


@router.get("", response={200: InvitationPage, **ERRORS}, operation_id="list_invitations")
def list_invitations(request, filters: Query[InvitationFilters]):
    invitations = invitations_of(request.organization)
    if filters.state:
        invitations = invitations.filter(state=filters.state)
    if filters.kind:
        invitations = invitations.filter(kind=filters.kind)
    if filters.email.strip():
        # lower(email), as the invitations' email index has it (iexact would not use it).
        email = filters.email.strip().lower()
        invitations = invitations.annotate(email_lower=Lower("email")).filter(email_lower=email)
    if filters.partner_id is not None:
        invitations = invitations.filter(partner_id=filters.partner_id)
    return paginate(invitations, cursor=filters.cursor, limit=filters.limit)


@router.get("/{invitation_id}", response={200: InvitationOut, **ERRORS}, operation_id="get_invitation")
def get_invitation(request, invitation_id: int):
    return get_object_or_404(invitations_of(request.organization), pk=invitation_id)


@router.post(
    "/{invitation_id}/resend", response={200: InvitationOut, **ERRORS}, operation_id="resend_invitation"
)
def resend_invitation(request, invitation_id: int):
    """A fresh link or code by email; the previous one stops working at once."""
    invitation = get_object_or_404(invitations_of(request.organization), pk=invitation_id)
    return resend(invitation=invitation, by=None)


@router.post(
    "/{invitation_id}/revoke", response={200: InvitationOut, **ERRORS}, operation_id="revoke_invitation"
)
def revoke_invitation(request, invitation_id: int):
    invitation = get_object_or_404(invitations_of(request.organization), pk=invitation_id)
    return services.revoke_invitation(invitation=invitation, by=None)
