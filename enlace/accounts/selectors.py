from django.db.models import Q

from enlace.accounts.models import User


def organization_users(organization):
    """Everyone who belongs to the organization: its staff and its partners' users."""
    return User.objects.filter(
        Q(organization=organization) | Q(memberships__organization=organization)
    ).distinct()


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
