"""Portal users: customer users created as the Add portal user form creates them."""

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from enlace.accounts import people, services
from enlace.accounts.forms import PersonForm, PortalUserForm
from enlace.accounts.models import User
from enlace.accounts.selectors import filter_users
from enlace.api.errors import form_error
from enlace.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from enlace.api.schemas import (
    Error,
    FilterText,
    InvitationOut,
    PortalUserIn,
    PortalUserOut,
    PortalUserPage,
    PortalUserPatch,
    UserProfile,
    UserStatus,
)
from enlace.partners.models import Partner

router = Router(tags=["Portal users"])
ERRORS = {400: Error, 401: Error, 404: Error, 409: Error, 422: Error, 429: Error}


class UserFilters(Schema):
    status: UserStatus | None = None
    profile: UserProfile | None = None
    q: FilterText = Field("", max_length=200, description="Part of the username, email or name.")
    cursor: str | None = Field(None, max_length=100)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def portal_users(organization):
    # The partners' people the organization brought in; its staff are not portal users.
    return (
        User.objects.filter(organization=organization)
        .exclude(profile=User.Profile.STAFF)
        .select_related("partner")
    )


@router.get("", response={200: PortalUserPage, **ERRORS}, operation_id="list_users")
def list_users(request, filters: Query[UserFilters]):
    users = filter_users(
        portal_users(request.organization),
        profile=filters.profile or "",
        status=filters.status or "",
        query=filters.q,
    )
    return paginate(users, cursor=filters.cursor, limit=filters.limit)


@router.get("/{user_id}", response={200: PortalUserOut, **ERRORS}, operation_id="get_user")
def get_user(request, user_id: int):
    return get_object_or_404(portal_users(request.organization), pk=user_id)


# The PATCH body's fields, as people.edit names them.
PATCH_FIELDS = {
    "username": "username",
    "customer": "partner",
    "first_name": "first_name",
    "last_name": "last_name",
    "phone": "phone",
}


def customer_named(organization, customer_id, customer_code):
    """The customer's id as the form takes it, from its id or its code (-1: no such code)."""
    if customer_id is None and customer_code:
        customer = Partner.objects.filter(
            organization=organization, kind=Partner.Kind.CUSTOMER, code=customer_code
        ).first()
        return customer.pk if customer else -1
    return customer_id


@router.post("", response={201: PortalUserOut, **ERRORS}, operation_id="create_user")
def create_user(request, payload: PortalUserIn):
    """A customer user in `pending_activation`; the activation email is queued at once."""
    organization = request.organization
    customer_id = customer_named(organization, payload.customer_id, payload.customer_code)
    form = PortalUserForm(
        {
            "username": payload.username,
            "profile": User.Profile.CUSTOMER,
            "customer": customer_id if customer_id is not None else "",
            "email": payload.email,
            "first_name": payload.first_name,
            "last_name": payload.last_name,
            "portal_enabled": payload.portal_enabled,
        },
        organization=organization,
    )
    if not form.is_valid():
        raise form_error(form)
    data = form.cleaned_data
    user = services.create_customer_user(
        organization=organization,
        by=None,
        username=data["username"],
        partner=data["customer"],
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        portal_enabled=data["portal_enabled"],
    )
    return Status(201, user)


@router.patch("/{user_id}", response={200: PortalUserOut, **ERRORS}, operation_id="update_user")
def update_user(request, user_id: int, payload: PortalUserPatch):
    """Change the fields sent, with the rules of the user's Edit page; audited."""
    user = get_object_or_404(portal_users(request.organization), pk=user_id)
    sent = payload.dict(exclude_unset=True)
    if "customer_id" in sent or "customer_code" in sent:
        customer = customer_named(
            request.organization, sent.pop("customer_id", None), sent.pop("customer_code", None)
        )
        sent["customer"] = customer
    people.check_editable(user, [PATCH_FIELDS[name] for name in sent])
    editable = people.editable_fields(user)
    # The form checks every field: those not sent keep the user's values.
    current = PersonForm(person=user, editable=editable)
    form = PersonForm(
        {**{name: current[name].value() for name in current.fields}, **sent}, person=user, editable=editable
    )
    if not form.is_valid():
        raise form_error(form)
    changes = form.changes()
    people.edit(user=user, by=None, **{PATCH_FIELDS[name]: changes[PATCH_FIELDS[name]] for name in sent})
    return portal_users(request.organization).get(pk=user.pk)


@router.post("/{user_id}/resend", response={200: InvitationOut, **ERRORS}, operation_id="resend_activation")
def resend_activation(request, user_id: int):
    """A new activation link and temporary password; the previous ones stop working."""
    user = get_object_or_404(portal_users(request.organization), pk=user_id)
    return services.resend_activation(user=user, by=None)


@router.post("/{user_id}/disable", response={200: PortalUserOut, **ERRORS}, operation_id="disable_user")
def disable_user(request, user_id: int):
    """The user can no longer sign in to this organization; their pending invitations are revoked."""
    user = get_object_or_404(portal_users(request.organization), pk=user_id)
    people.disable(user=user, by=None)
    return portal_users(request.organization).get(pk=user.pk)


@router.post("/{user_id}/enable", response={200: PortalUserOut, **ERRORS}, operation_id="enable_user")
def enable_user(request, user_id: int):
    """A disabled user signs in again."""
    user = get_object_or_404(portal_users(request.organization), pk=user_id)
    people.enable(user=user, by=None)
    return portal_users(request.organization).get(pk=user.pk)


@router.post("/{user_id}/password-reset", response={202: None, **ERRORS}, operation_id="send_password_reset")
def send_password_reset(request, user_id: int):
    """Email the user a one-hour link to choose a new password; 409 `not_ready` for a pending or
    disabled user (resend the activation, or enable them, instead)."""
    user = get_object_or_404(portal_users(request.organization), pk=user_id)
    people.send_password_reset(user=user, by=None)
    return Status(202, None)
