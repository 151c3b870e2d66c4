"""Portal users: create, resend activation, activate, first login, set own password."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enlace.accounts import joining
from enlace.accounts.models import User
from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations import lifecycle, secrets
from enlace.invitations.lookup import InvitationInvalid, find_by_code, find_by_token
from enlace.invitations.models import Invitation
from enlace.invitations.services import (
    build_invitation,
    expire_invitation,
    issue_invitation,
    mark_used,
    queue_emails,
    resend_invitation,
)
from enlace.lib import lookups  # noqa: F401 - registers __in_array
from enlace.lib.errors import DomainError
from enlace.lib.forms import normalize_email
from enlace.organizations.models import Organization
from enlace.partners.models import Company


def email_in_use(email: str, *, organization) -> bool:
    """Whether an address already belongs to one of the organization's people, whatever its
    case (the rule: emails_in_use)."""
    return bool(emails_in_use([email.lower()], organization=organization))


def emails_in_use(emails, *, organization) -> set[str]:
    """Those of these addresses, normalized (lib.forms.normalize_email), that already belong to
    one of the organization's people: its partners' people (as email, whatever its case, or as
    username: people who log in with their address have it as username, always normalized) and
    its staff. Other organizations' people are no business of this one: the same person may be
    invited by each. Every form, registration, invitation and import asks this, one address or a
    file's thousands at a time."""
    emails = list(emails)
    if not emails:
        return set()
    # The indexes on (organization, lower(email)) leave out empty emails: saying so lets them
    # serve this.
    people = User.objects.annotate(email_lower=Lower("email")).exclude(email="")
    taken = set(
        people.filter(organization=organization, email_lower__in_array=emails).values_list(
            "email_lower", flat=True
        )
    )
    taken.update(
        User.objects.filter(organization=organization, username__in_array=emails).values_list(
            "username", flat=True
        )
    )
    taken.update(
        people.filter(memberships__organization=organization, email_lower__in_array=emails).values_list(
            "email_lower", flat=True
        )
    )
    return taken


@transaction.atomic
def create_customer_user(
    *,
    organization,
    by,
    username: str,
    partner,
    email: str,
    first_name: str = "",
    last_name: str = "",
    portal_enabled: bool = True,
) -> User:
    """Register a customer's person as `pending_activation` and email the activation link.

    The user, the invitation, the audit event and the delivery task are written in one
    transaction. Callers validate the fields (forms.PortalUserForm); uniqueness is enforced
    again here because two admins can submit at once.
    """
    if partner.organization_id != organization.pk or partner.kind != partner.Kind.CUSTOMER:
        raise DomainError("wrong_partner", _("Choose a customer of this organization."))
    if User.objects.filter(organization=organization, username=username).exists():
        raise DomainError("username_taken", _("A user with this username already exists."))
    if email_in_use(email, organization=organization):
        raise DomainError("email_taken", _("A user with this email already exists."))
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        profile=User.Profile.CUSTOMER,
        status=User.Status.PENDING_ACTIVATION,
        organization=organization,
        partner=partner,
        portal_enabled=portal_enabled,
        language=organization.language,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise DomainError("email_taken", _("A user with this email or username already exists.")) from None
    invitation = build_invitation(
        organization=organization,
        kind=Invitation.Kind.ACTIVATION,
        email=email,
        by=by,
        partner=partner,
        user=user,
        first_name=first_name,
        last_name=last_name,
    )
    invitation.save()
    reset_temporary_password(invitation=invitation)
    record(
        organization=organization,
        action=AuditEvent.Action.CREATED,
        actor=by,
        user=user,
        invitation=invitation,
        detail=email,
    )
    queue_emails([invitation])
    return user


def chose_own_password(user: User) -> bool:
    return user.has_usable_password() and not user.has_temporary_password


def reset_temporary_password(*, invitation: Invitation) -> None:
    """Give the invitation's user the temporary password derived from its current secret.

    With the organization's *link only* style the user gets no password at all: the link
    leads to a page where they choose one. A person who chose their password when registering
    by link keeps it: the activation email only activates. So does a person who already has an
    account: they accept with its password (joining.accept).
    """
    user = invitation.user
    if chose_own_password(user):
        return
    if user.joins_existing_account():
        user.set_unusable_password()
        user.must_change_password = False
        user.temporary_password_expires_at = None
        user.save()
        return
    if invitation.organization.activation_style == Organization.ActivationStyle.TEMPORARY_PASSWORD:
        user.set_temporary_password(
            secrets.derive_temporary_password(invitation.secret_salt),
            expires_at=invitation.expires_at,
        )
    else:
        user.set_unusable_password()
        user.must_change_password = False
        user.temporary_password_expires_at = None
    user.save()


@transaction.atomic
def resend_activation(*, user: User, by) -> Invitation:
    """A fresh copy of the pending user's latest email: their activation link (and temporary
    password), or their registration link if they were imported and have not registered yet.
    The old link stops working."""
    if user.status != User.Status.PENDING_ACTIVATION:
        raise DomainError("not_pending", _("This user has already activated the account."))
    invitation = (
        user.invitations.filter(kind__in=[Invitation.Kind.ACTIVATION, Invitation.Kind.REGISTRATION])
        .order_by("-created_at", "-id")
        .first()
    )
    if invitation is None:
        raise DomainError("no_invitation", _("This user has no activation to resend."))
    if invitation.state == Invitation.State.REVOKED:
        raise DomainError("not_pending", _("This invitation has already been used or revoked."))
    return resend(invitation=invitation, by=by)


@transaction.atomic
def resend(*, invitation: Invitation, by=None, now=None) -> Invitation:
    """Resend any invitation (invitations.resend_invitation): a fresh secret and a new email.
    An activation's user also gets the temporary password derived from the new secret, as the
    new email says."""
    invitation = resend_invitation(invitation=invitation, by=by, now=now)
    if invitation.user_id and invitation.kind == Invitation.Kind.ACTIVATION:
        reset_temporary_password(invitation=invitation)
    return invitation


@transaction.atomic
def renew_expired(*, invitation: Invitation, now=None) -> bool:
    """The holder of an expired link or code asks for a new one: the invitation is resent
    (resend: a fresh secret, its email queued in this transaction) to the address it was
    made for, never to one the asker names. Only an invitation that expired and may still be
    resent; returns whether it was renewed. Once renewed, the asker's secret is a replaced one,
    so one link renews its invitation once."""
    now = now or timezone.now()
    invitation = Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    if invitation.used_at is not None or not invitation.is_expired(now):
        return False
    # Not yet moved by the periodic job: expired first, so that its history reads as renewed.
    expire_invitation(invitation, now=now)
    if not lifecycle.allowed("resend", invitation.state):
        return False
    resend(invitation=invitation, now=now)
    return True


@transaction.atomic
def activate_account(*, token: str, password: str | None = None) -> User:
    """Consume an activation link. With *link only*, the chosen password is set at once; a
    person who already has an account gives its password instead, and is ready at once too.

    Raises InvitationInvalid for an unknown, used or expired link, ValidationError for a
    password the validators refuse, and DomainError for a wrong account password.
    """
    invitation = find_by_token(token, kind=Invitation.Kind.ACTIVATION, lock=True)
    user = User.objects.select_for_update().get(pk=invitation.user_id)
    if password is not None and not user.joins_existing_account():
        validate_password(password, user)
    joining.accept(user, password=password)
    user.mark_activated()
    # (A joined account may still be on a temporary password: the next login replaces it.)
    if password is not None and not user.must_change_password:
        user.mark_ready()
    user.save()
    mark_used(invitation, event="activate", user=user)
    if user.status == User.Status.READY:
        record(
            organization=invitation.organization,
            action=AuditEvent.Action.READY,
            user=user,
            invitation=invitation,
        )
    return user


def login_refusal(user: User):
    """Why this user, whose password was right, may still not log in; None when they may."""
    if user.status == User.Status.PENDING_ACTIVATION:
        return _("Your account is not activated yet. Open the activation link in your email first.")
    if user.must_change_password and not user.temporary_password_is_usable():
        return _(
            "This temporary password no longer works: it has been used already or it expired. "
            "Ask your administrator to resend the activation email."
        )
    return None


def note_login(user: User) -> None:
    """A login with a temporary password uses it up: the next one needs the new password.
    A first login with the person's own password (they chose it when registering) makes an
    active account ready."""
    if user.must_change_password:
        if user.temporary_password_used_at is None:
            user.temporary_password_used_at = timezone.now()
            user.save(update_fields=["temporary_password_used_at"])
    elif user.status == User.Status.ACTIVE:
        user.mark_ready()
        user.save()
        if user.organization_id:
            record(organization=user.organization, action=AuditEvent.Action.READY, actor=user, user=user)


@transaction.atomic
def set_own_password(*, user: User, password: str) -> User:
    """The user replaces a temporary password (or changes theirs) and becomes `ready`."""
    if user.must_change_password and user.check_password(password):
        raise ValidationError(
            _("Your new password must be different from the temporary password."), code="same"
        )
    validate_password(password, user)
    was_ready = user.status == User.Status.READY
    user.set_password(password)
    user.mark_ready()
    user.save()
    if not was_ready and user.organization_id:
        record(organization=user.organization, action=AuditEvent.Action.READY, actor=user, user=user)
    return user


@transaction.atomic
def register_with_link(
    *,
    token: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    job_title: str = "",
    language: str = "",
    now=None,
) -> User:
    """Complete the invited person's account and consume the registration link.

    The invitation row is locked first, so of two simultaneous submissions one registers and
    the other finds the link used (InvitationInvalid). The email and the customer come from the
    invitation, never from the caller. Raises ValidationError for a password the validators
    refuse. Issues the activation invitation (and its email) in the same transaction.
    """
    invitation = find_by_token(token, kind=Invitation.Kind.REGISTRATION, lock=True, now=now)
    if invitation.user_id is None:
        raise InvitationInvalid("no_user")
    user = User.objects.select_for_update().get(pk=invitation.user_id)
    if user.status != User.Status.PENDING_ACTIVATION:
        raise InvitationInvalid("already_registered")
    user.first_name = first_name
    user.last_name = last_name
    user.phone = phone
    user.job_title = job_title
    user.language = language or invitation.language
    if not user.joins_existing_account():
        validate_password(password, user)
        # Their own password: no temporary one to replace, so the first login makes them ready.
        user.must_change_password = False
        user.temporary_password_expires_at = None
    joining.accept(user, password=password)
    user.save()
    mark_used(invitation, event="register", user=user, actor=user, now=now)
    issue_invitation(
        organization=invitation.organization,
        kind=Invitation.Kind.ACTIVATION,
        email=user.email,
        user=user,
        partner=invitation.partner,
        first_name=user.first_name,
        last_name=user.last_name,
        language=user.language,
    )
    return user


@transaction.atomic
def register_with_code(
    *, code: str, email: str, password: str, first_name: str, last_name: str, now=None
) -> User:
    """Create the supplier person's user from a usable code, mark the company registered and
    the invitation registered. A person who already has an account (another buyer invited them
    first) joins it with its password. Raises CodeRefused, DomainError (email in use here, or a
    wrong account password) or ValidationError (a password the validators refuse)."""
    now = now or timezone.now()
    invitation = find_by_code(code, lock=True, now=now)
    partner = invitation.partner
    company = Company.objects.select_for_update().get(pk=partner.company_id)
    email = normalize_email(email)
    if email_in_use(email, organization=invitation.organization):
        raise DomainError("email_taken", _("A user with this email already exists."), field="email")
    user = User(
        username=email,
        email=email,
        first_name=first_name,
        last_name=last_name,
        profile=User.Profile.SUPPLIER,
        organization=invitation.organization,
        partner=partner,
        language=invitation.language,
    )
    if not user.joins_existing_account():
        validate_password(password, user)
    joining.accept(user, password=password)
    # The person chose their own password here (or joined theirs): nothing is left to activate.
    user.mark_activated()
    if not user.must_change_password:
        user.mark_ready()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise DomainError("email_taken", _("A user with this email already exists."), field="email") from None
    if company.registered_at is None:
        company.registered_at = now
        company.save(update_fields=["registered_at"])
    # The code went to the company, not to a person: from now on the request names who used it.
    invitation.user = user
    invitation.first_name, invitation.last_name = user.first_name, user.last_name
    invitation.save(update_fields=["user", "first_name", "last_name"])
    mark_used(invitation, event="register", user=user, actor=user, detail=email, now=now)
    return user
