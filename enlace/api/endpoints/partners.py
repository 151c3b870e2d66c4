"""Suppliers and customers: the same operations on each kind, under /suppliers and /customers."""

from datetime import UTC, datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from enlace.api.errors import form_error
from enlace.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from enlace.api.schemas import Error, FilterText, PartnerIn, PartnerOut, PartnerPage
from enlace.partners.forms import PartnerForm
from enlace.partners.models import Partner
from enlace.partners.selectors import search_partners
from enlace.partners.services import create_partner

ERRORS = {400: Error, 401: Error, 404: Error, 409: Error, 422: Error, 429: Error}


class PartnerFilters(Schema):
    q: FilterText = Field("", max_length=200, description="Code, tax ID (any punctuation), name or email.")
    group: FilterText = Field("", max_length=100, description="Only partners in this group (by name).")
    registered: bool | None = Field(
        None, description="Only partners whose company has (or has not) registered."
    )
    updated_since: datetime | None = Field(None, description="Only partners changed at or after this time.")
    cursor: str | None = Field(None, max_length=100)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def partner_queryset(organization, kind, filters: PartnerFilters | None = None):
    filters = filters or PartnerFilters()
    partners = search_partners(organization=organization, kind=kind, query=filters.q)
    if filters.group:
        partners = partners.filter(groups__name__iexact=filters.group.strip())
    if filters.registered is not None:
        partners = partners.filter(company__registered_at__isnull=not filters.registered)
    if filters.updated_since is not None:
        # In UTC: PostgreSQL refuses offsets past ±15:59, which ISO 8601 allows.
        since = filters.updated_since
        if timezone.is_naive(since):
            since = timezone.make_aware(since, UTC)
        partners = partners.filter(updated_at__gte=since.astimezone(UTC))
    return partners.prefetch_related("groups")


def validated_partner(organization, kind, payload: PartnerIn) -> dict:
    """The payload checked by the same form as the pages (tax ID, email and phone rules)."""
    data = payload.dict()
    data["groups"] = ";".join(data["groups"])
    form = PartnerForm(data, organization=organization, code_required=kind == Partner.Kind.CUSTOMER)
    if not form.is_valid():
        raise form_error(form)
    return dict(form.cleaned_data)


def partner_router(kind: str, noun: str) -> Router:
    router = Router(tags=[noun.capitalize()])

    @router.get(
        "", response={200: PartnerPage, **ERRORS}, operation_id=f"list_{noun}", summary=f"List {noun}"
    )
    def list_partners(request, filters: Query[PartnerFilters]):
        partners = partner_queryset(request.organization, kind, filters)
        return paginate(partners, cursor=filters.cursor, limit=filters.limit)

    @router.get("/{partner_id}", response={200: PartnerOut, **ERRORS}, operation_id=f"get_{noun}")
    def get_partner(request, partner_id: int):
        return get_object_or_404(partner_queryset(request.organization, kind), pk=partner_id)

    @router.post("", response={201: PartnerOut, **ERRORS}, operation_id=f"create_{noun}")
    def create(request, payload: PartnerIn):
        data = validated_partner(request.organization, kind, payload)
        partner = create_partner(organization=request.organization, kind=kind, **data)
        return Status(201, partner_queryset(request.organization, kind).get(pk=partner.pk))

    return router


suppliers = partner_router(Partner.Kind.SUPPLIER, "suppliers")
customers = partner_router(Partner.Kind.CUSTOMER, "customers")
