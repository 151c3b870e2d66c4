"""The shapes the API reads and writes (the OpenAPI schema is generated from them)."""

import re
from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from enlace.accounts.models import User
from enlace.invitations.models import Invitation

InvitationState = Literal[tuple(Invitation.State.values)]  # type: ignore[valid-type]
InvitationKind = Literal[tuple(Invitation.Kind.values)]  # type: ignore[valid-type]
UserStatus = Literal[tuple(User.Status.values)]  # type: ignore[valid-type]
UserProfile = Literal[tuple(p for p in User.Profile.values if p != User.Profile.STAFF)]  # type: ignore[valid-type]


def no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text; a filter with one is bad input, not a server error.
    if "\x00" in value:
        raise ValueError("NUL character")
    return value


# Free text in query filters (the bodies go through Django forms, which refuse NUL themselves).
FilterText = Annotated[str, AfterValidator(no_nul)]

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_8601(value):
    # Pydantic would take a number, or a text of digits, as Unix time; the schema says ISO 8601.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 date and time")
    return value


# A date and time as the OpenAPI schema says (`format: date-time`), never a number.
IsoDateTime = Annotated[datetime, BeforeValidator(iso_8601)]
# A database id: larger numbers cannot name a row, and the databases refuse them in a query.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None
    rows: list[dict] | None = None


class Error(Schema):
    error: ErrorDetail


class PartnerIn(Schema):
    code: str = Field("", max_length=50, description="The organization's own code (the ERP's).")
    tax_id: str = Field(..., max_length=40, description="RUC, NIT, RUT…; dots and dashes are accepted.")
    name: str = Field(..., max_length=200)
    description: str = Field("", max_length=500)
    address: str = Field("", max_length=300)
    city: str = Field("", max_length=100)
    province: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    fax: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    groups: list[str] = Field(default_factory=list, max_length=50)


class PartnerOut(Schema):
    id: int
    code: str
    tax_id: str
    name: str
    description: str
    address: str
    city: str
    province: str
    phone: str
    fax: str
    email: str
    groups: list[str]
    registered: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tax_id(obj):
        return obj.company.tax_id

    @staticmethod
    def resolve_registered(obj):
        return obj.company.is_registered

    @staticmethod
    def resolve_groups(obj):
        return [group.name for group in obj.groups.all()]


class PartnerPage(Schema):
    items: list[PartnerOut]
    next_cursor: str | None


class PortalUserIn(Schema):
    username: str = Field(..., max_length=40, description="The person's national ID (cédula) or RUC.")
    customer_id: int | None = Field(None, description="The customer's id; or give customer_code.")
    customer_code: str | None = Field(None, max_length=50)
    email: str = Field(..., max_length=254)
    first_name: str = Field(..., max_length=150)
    last_name: str = Field(..., max_length=150)
    portal_enabled: bool = True


class PortalUserPatch(Schema):
    """Only the fields sent change; the email is the person's own and cannot be set here."""

    username: str = Field(
        None, max_length=40, description="A customer's person only: their national ID (cédula) or RUC."
    )
    customer_id: int = Field(None, description="A customer's person only: another customer of yours.")
    customer_code: str = Field(None, max_length=50, description="Or the customer by its code.")
    first_name: str = Field(None, max_length=150)
    last_name: str = Field(None, max_length=150)
    phone: str = Field(
        None, max_length=30, description="Valid for your country or international; stored E.164."
    )


class PortalUserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    phone: str
    profile: str
    status: str
    is_active: bool = Field(..., description="False once an administrator disabled the user.")
    portal_enabled: bool
    partner_id: int | None
    partner_code: str | None
    date_joined: datetime
    activated_at: datetime | None
    ready_at: datetime | None

    @staticmethod
    def resolve_partner_code(obj):
        return obj.partner.code if obj.partner_id else None


class PortalUserPage(Schema):
    items: list[PortalUserOut]
    next_cursor: str | None


class InvitationOut(Schema):
    id: int
    kind: str
    state: str
    email: str
    first_name: str
    last_name: str
    language: str
    partner_id: int | None
    partner_code: str | None
    user_id: int | None
    expires_at: datetime
    sent_at: datetime | None
    delivery_error: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_partner_code(obj):
        return obj.partner.code if obj.partner_id else None


class InvitationPage(Schema):
    items: list[InvitationOut]
    next_cursor: str | None
