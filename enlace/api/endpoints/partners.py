"""Suppliers and customers: the same operations on each kind, under /suppliers and /customers."""

import csv
import io
from datetime import UTC

from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from enlace.api.errors import form_error
from enlace.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from enlace.api.schemas import (
    Error,
    FilterText,
    Id,
    IsoDateTime,
    PartnerIn,
    PartnerOut,
    PartnerPage,
)
from enlace.imports.columns import COLUMNS
from enlace.imports.services import import_file
from enlace.lib.errors import DomainError
from enlace.partners.forms import PartnerForm
from enlace.partners.models import Partner
from enlace.partners.selectors import search_partners
from enlace.partners.services import create_partner
from enlace.partners.taxids import compact_for_search

ERRORS = {400: Error, 401: Error, 404: Error, 409: Error, 422: Error, 429: Error}


class PartnerFilters(Schema):
    q: FilterText = Field("", max_length=200, description="Code, tax ID (any punctuation), name or email.")
    group: FilterText = Field("", max_length=100, description="Only partners in this group (by name).")
    registered: bool | None = Field(
        None, description="Only partners whose company has (or has not) registered."
    )
    updated_since: IsoDateTime | None = Field(
        None, description="Only partners changed at or after this time (ISO 8601)."
    )
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


BULK_LIMIT = 1000


class BulkItem(PartnerIn):
    # true or false only, as the schema says: pydantic's lax bool would also take 1, "yes", "on".
    notify: StrictBool = Field(False, description="Suppliers only: send an invitation at the email.")


class BulkIn(Schema):
    items: list[BulkItem] = Field(..., min_length=1, max_length=BULK_LIMIT)


class BulkOut(Schema):
    status: str
    rows: int
    created: int
    updated: int
    invitations: int
    errors: list[dict] = Field(description="As in an import report; `item` is the index in `items`.")


def rows_as_csv(import_kind: str, items) -> io.BytesIO:
    """The items as the import file the Imports page takes, so that one set of rules (validation,
    upsert, invitations, all or nothing) serves the page, the command and the API."""
    columns = COLUMNS[import_kind]
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    with translation.override("en"):
        writer.writerow([str(column.label) for column in columns])
    for item in items:
        values = item.dict()
        values["groups"] = ";".join(values["groups"])
        values["notify"] = "1" if values["notify"] else "0"
        writer.writerow([values.get(column.key, "") for column in columns])
    return io.BytesIO(out.getvalue().encode("utf-8"))


def partner_router(kind: str, noun: str) -> Router:
    router = Router(tags=[noun.capitalize()])

    @router.get(
        "", response={200: PartnerPage, **ERRORS}, operation_id=f"list_{noun}", summary=f"List {noun}"
    )
    def list_partners(request, filters: Query[PartnerFilters]):
        partners = partner_queryset(request.organization, kind, filters)
        return paginate(partners, cursor=filters.cursor, limit=filters.limit)

    @router.post(
        "/bulk",
        response={200: BulkOut, **ERRORS},
        operation_id=f"upsert_{noun}",
        summary=f"Create or update up to {BULK_LIMIT} {noun}",
    )
    def upsert(request, payload: BulkIn):
        """All or nothing, with the rules of the import file: customers are matched by code,
        suppliers by tax ID; a supplier with `notify` gets an invitation at its email."""
        batch = import_file(
            organization=request.organization,
            kind=noun,  # the import of the same name: "customers" or "suppliers"
            file=rows_as_csv(noun, payload.items),
            filename=f"api-{noun}.csv",
            by=None,
        )
        errors = [
            {**error, "item": error["row"] - 2 if error["row"] >= 2 else None} for error in batch.errors
        ]
        return {
            "status": batch.status,
            "rows": batch.rows,
            "created": batch.created,
            "updated": batch.updated,
            "invitations": batch.invitations,
            "errors": errors,
        }

    @router.put("/{partner_id}", response={200: PartnerOut, **ERRORS}, operation_id=f"update_{noun}")
    def update(request, partner_id: Id, payload: PartnerIn):
        """Replace a partner's fields, with the import's rules. The key that names it (a
        customer's code, a supplier's tax ID) cannot change here."""
        partner = get_object_or_404(partner_queryset(request.organization, kind), pk=partner_id)
        if kind == Partner.Kind.CUSTOMER and payload.code.strip() != partner.code:
            raise DomainError("key_changed", _("A customer's code cannot change."), field="code")
        if kind == Partner.Kind.SUPPLIER and (
            compact_for_search(request.organization.country, payload.tax_id) != partner.company.tax_id
        ):
            raise DomainError("key_changed", _("A supplier's tax ID cannot change."), field="tax_id")
        batch = import_file(
            organization=request.organization,
            kind=noun,
            file=rows_as_csv(noun, [BulkItem(**payload.dict())]),
            filename=f"api-{noun}.csv",
            by=None,
        )
        if batch.errors:
            first = batch.errors[0]
            raise DomainError("invalid_rows", first["message"], field=first.get("key"), rows=batch.errors)
        return partner_queryset(request.organization, kind).get(pk=partner.pk)

    @router.get("/{partner_id}", response={200: PartnerOut, **ERRORS}, operation_id=f"get_{noun}")
    def get_partner(request, partner_id: Id):
        return get_object_or_404(partner_queryset(request.organization, kind), pk=partner_id)

    @router.post("", response={201: PartnerOut, **ERRORS}, operation_id=f"create_{noun}")
    def create(request, payload: PartnerIn):
        data = validated_partner(request.organization, kind, payload)
        partner = create_partner(organization=request.organization, kind=kind, **data)
        return Status(201, partner_queryset(request.organization, kind).get(pk=partner.pk))

    return router


suppliers = partner_router(Partner.Kind.SUPPLIER, "suppliers")
customers = partner_router(Partner.Kind.CUSTOMER, "customers")
