"""Who hears of a company's profile: its own registered people, and the buyers' admins."""

from enlace.accounts.models import User
from enlace.organizations.models import Membership


def people_of(company):
    """The company's registered people: its supplier users, in every organization, who can sign
    in (activated, not disabled, with an address)."""
    return (
        User.objects.filter(profile=User.Profile.SUPPLIER, partner__company=company, is_active=True)
        .exclude(status=User.Status.PENDING_ACTIVATION)
        .exclude(email="")
        .select_related("account", "organization")
        .order_by("pk")
    )


def admins_of(organization):
    """The organization's administrators who can be written to."""
    return (
        User.objects.filter(
            memberships__organization=organization, memberships__role=Membership.Role.ADMIN, is_active=True
        )
        .exclude(email="")
        .order_by("pk")
    )
