from enlace.accounts.joining import places_of


def places(request):
    """Where the signed-in person can switch to (the organization switcher in base.html)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"places": []}
    organization = getattr(request, "organization", None)
    current = organization.pk if organization else user.organization_id
    memberships = getattr(request, "memberships", None)
    return {"places": places_of(user, memberships=memberships), "current_organization_id": current}
