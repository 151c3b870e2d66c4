"""An administrator manages the people of the organization: its partners' users (staff are
managed through their memberships). Each action is on this organization's User only: the
person's account, and their Users in other organizations, are left as they are."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enlace.accounts.models import User
from enlace.accounts.password_reset import issue_reset
from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations.models import Invitation
from enlace.invitations.services import revoke_invitation
from enlace.lib.errors import DomainError
from enlace.partners.models import Partner

# What an administrator may change of a partner's person, with the names the timeline shows.
# The email is the person's own (they change it on their account page).
EDITABLE = {
    "first_name": _("First names"),
    "last_name": _("Last names"),
    "phone": _("Phone"),
    "username": _("Username"),
    "partner": _("Customer"),
}
# A supplier's person signs in with the address they registered with, and stays with that supplier.
ONLY_FOR_CUSTOMERS = {"username", "partner"}


def people_of(organization):
    """The Users an administrator of the organization manages."""
    return User.objects.filter(organization=organization)


@transaction.atomic
def disable(*, user: User, by) -> User:
    """The person can no longer sign in to this organization: their open sessions end at their
    next request (a disabled User is no longer authenticated), their pending invitations are
    revoked so no link or code works."""
    user = _locked(user)
    if not user.is_active:
        raise DomainError("already_disabled", _("This user is already disabled."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    for invitation in Invitation.objects.filter(user=user).pending():
        revoke_invitation(invitation=invitation, by=by)
    record(organization=user.organization, action=AuditEvent.Action.USER_DISABLED, actor=by, user=user)
    return user


@transaction.atomic
def enable(*, user: User, by) -> User:
    """The person signs in again as before; a revoked invitation stays revoked (resend it)."""
    user = _locked(user)
    if user.is_active:
        raise DomainError("not_disabled", _("This user is not disabled."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    record(organization=user.organization, action=AuditEvent.Action.USER_ENABLED, actor=by, user=user)
    return user


@transaction.atomic
def send_password_reset(*, user: User, by) -> None:
    """Email the person a link to choose a new password (the one the login page's "forgot
    password" sends), for one who has activated the account; a pending one is sent the
    activation again instead (resend)."""
    user = _locked(user)
    if not user.is_active or user.status == User.Status.PENDING_ACTIVATION or not user.email:
        raise DomainError(
            "not_ready",
            _("Only an enabled user who has activated the account can be sent a password reset."),
        )
    issue_reset(user=user)
    record(organization=user.organization, action=AuditEvent.Action.PASSWORD_RESET_SENT, actor=by, user=user)


def editable_fields(user: User) -> list[str]:
    """The fields an administrator may change on this person."""
    if user.profile == User.Profile.CUSTOMER:
        return list(EDITABLE)
    return [field for field in EDITABLE if field not in ONLY_FOR_CUSTOMERS]


def check_editable(user: User, fields) -> None:
    """DomainError `not_editable` naming the first of these fields the person does not have."""
    refused = sorted(set(fields) - set(editable_fields(user)))
    if refused:
        raise DomainError(
            "not_editable",
            _("%(field)s cannot be changed for this person.")
            % {"field": EDITABLE.get(refused[0], refused[0])},
            field="customer" if refused[0] == "partner" else refused[0],
        )


@transaction.atomic
def edit(*, user: User, by, **changes) -> list[str]:
    """Change some of the person's names, phone, username and customer, as this organization
    knows them (cleaned by forms.PersonForm): their account and their Users in other
    organizations keep their own. Their pending invitations follow, so that the registration
    page and the emails say the same. Audited with the names of the changed fields; returns
    them (none changed: nothing written)."""
    user = _locked(user)
    check_editable(user, changes)
    partner = changes.get("partner")
    if partner is not None and (
        partner.organization_id != user.organization_id or partner.kind != Partner.Kind.CUSTOMER
    ):
        raise DomainError("wrong_partner", _("Choose a customer of this organization."), field="customer")
    changed = [field for field in EDITABLE if field in changes and getattr(user, field) != changes[field]]
    if not changed:
        return []
    for field in changed:
        setattr(user, field, changes[field])
    try:
        with transaction.atomic():
            user.save(update_fields=changed)
    except IntegrityError:  # the username is another person's (the form checks it; two admins may race)
        raise DomainError(
            "username_taken", _("A user with this username already exists."), field="username"
        ) from None
    _follow_in_pending_invitations(user)
    record(
        organization=user.organization,
        action=AuditEvent.Action.USER_EDITED,
        actor=by,
        user=user,
        detail=",".join(changed),
    )
    return changed


def _follow_in_pending_invitations(user: User) -> None:
    Invitation.objects.filter(user=user).pending().update(
        first_name=user.first_name,
        last_name=user.last_name,
        phone=user.phone,
        partner_id=user.partner_id,
        updated_at=timezone.now(),
    )


def changed_fields(event: AuditEvent) -> str:
    """The names of the fields a USER_EDITED event says were changed, in the reader's language."""
    return ", ".join(str(EDITABLE.get(field, field)) for field in event.detail.split(",") if field)


def timeline_of(user: User, *, organization):
    """What happened to the person in the organization, oldest first: the events that name
    them, and those of their invitations from before they were known by name (a supplier's code
    was sent to the company before the person registered with it)."""
    return (
        AuditEvent.objects.filter(organization=organization)
        .filter(Q(user=user) | Q(invitation__in=Invitation.objects.filter(user=user).values("pk")))
        .select_related("actor")
    )


def _locked(user: User) -> User:
    if user.organization_id is None:
        raise DomainError("staff_user", _("Staff members are managed through their memberships."))
    return User.objects.select_for_update().get(pk=user.pk)
