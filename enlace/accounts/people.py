"""An administrator manages the people of the organization: its partners' users (staff are
managed through their memberships). Each action is on this organization's User only: the
person's account, and their Users in other organizations, are left as they are."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from enlace.accounts.models import User
from enlace.accounts.password_reset import issue_reset
from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations.models import Invitation
from enlace.invitations.services import revoke_invitation
from enlace.lib.errors import DomainError


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


def _locked(user: User) -> User:
    if user.organization_id is None:
        raise DomainError("staff_user", _("Staff members are managed through their memberships."))
    return User.objects.select_for_update().get(pk=user.pk)
