"""Invitations (the activation requests): list, get, resend, revoke."""

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from enlace.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from enlace.api.schemas import (
    Error,
    FilterText,
    InvitationKind,
    InvitationOut,
    InvitationPage,
    InvitationState,
)
from enlace.invitations import services
from enlace.invitations.models import Invitation

router = Router(tags=["Invitations"])
ERRORS = {400: Error, 401: Error, 404: Error, 409: Error, 422: Error, 429: Error}


class InvitationFilters(Schema):
    state: InvitationState | None = None
    kind: InvitationKind | None = None
    email: FilterText = Field("", max_length=254)
    partner_id: int | None = None
    cursor: str | None = Field(None, max_length=100)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


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
        invitations = invitations.filter(email__iexact=filters.email.strip())
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
    return services.resend_invitation(invitation=invitation, by=None)


@router.post(
    "/{invitation_id}/revoke", response={200: InvitationOut, **ERRORS}, operation_id="revoke_invitation"
)
def revoke_invitation(request, invitation_id: int):
    invitation = get_object_or_404(invitations_of(request.organization), pk=invitation_id)
    return services.revoke_invitation(invitation=invitation, by=None)
