"""Organizations and their staff: creating a tenant creates its first admin, a user, so it is
an accounts action (accounts sits above organizations)."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enlace.accounts import joining
from enlace.accounts.models import User
from enlace.lib.errors import DomainError
from enlace.organizations.models import Membership, Organization
from enlace.organizations.time_zones import UNKNOWN_ZONE, time_zone_names


@transaction.atomic
def create_organization(
    *,
    slug: str,
    name: str,
    country: str,
    language: str = "es",
    time_zone: str = "",
    admin_email: str | None = None,
):
    """Create an organization, and its first admin when an email is given. Without a time
    zone, the organization keeps its country's usual one.

    Returns (organization, admin, one_time_password): the password is None when the admin
    already existed (they keep their own).
    """
    if Organization.objects.filter(slug=slug).exists():
        raise DomainError("slug_taken", _("An organization with this slug already exists."))
    if time_zone and time_zone not in time_zone_names():
        raise DomainError("unknown_time_zone", UNKNOWN_ZONE % {"value": time_zone})
    organization = Organization.objects.create(
        slug=slug, name=name, country=country.upper(), language=language, time_zone=time_zone
    )
    admin, password = None, None
    if admin_email:
        admin, password = ensure_staff_user(email=admin_email, language=language)
        Membership.objects.create(organization=organization, user=admin, role=Membership.Role.ADMIN)
    return organization, admin, password


ONE_TIME_PASSWORD_LIFETIME = timedelta(days=7)


def ensure_staff_user(*, email: str, language: str = "es", password: str | None = None):
    """The staff user with this email; if new, created with a one-time password that must be
    replaced at first login (or with `password` as their own, for the demo). A person who
    already has an account (a partner's person elsewhere) keeps its password."""
    existing = User.objects.with_email(email).filter(organization__isnull=True).first()
    if existing:
        return existing, None
    user = User(
        username=email.lower(),
        email=email.lower(),
        profile=User.Profile.STAFF,
        status=User.Status.READY,
        language=language,
    )
    account = joining.account_of(email)
    if account is not None:
        joining.share_credentials(user, account=account)
        password = None
    else:
        if password:
            user.set_password(password)
        else:
            password = secrets.token_urlsafe(12)
            user.set_temporary_password(password, expires_at=timezone.now() + ONE_TIME_PASSWORD_LIFETIME)
        joining.open_account(user)
    user.save()
    return user, password
