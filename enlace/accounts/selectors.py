from django.db.models import Q

from enlace.accounts.models import User
from enlace.organizations.models import Membership


def organization_users(organization):
    """Everyone who belongs to the organization: its staff and its partners' users.

    The ids of each come from their own query, joined by UNION: one OR across the memberships'
    join kept the searches below from their index and needed a DISTINCT.
    """
    partners_users = User.objects.filter(organization=organization).order_by().values("pk")
    staff = Membership.objects.filter(organization=organization).order_by().values("user_id")
    return User.objects.filter(pk__in=partners_users.union(staff))


def filter_users(users, *, profile: str = "", status: str = "", query: str = ""):
    """The Portal users filters, shared by the page and the API: profile, status, and a part of
    the username, email or name."""
    if profile:
        users = users.filter(profile=profile)
    if status:
        users = users.filter(status=status)
    query = query.strip()
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    return users
