"""The organization switcher: one person, every organization their account reaches."""

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from enlace.accounts.joining import places_of
from enlace.accounts.models import User
from enlace.organizations.middleware import SESSION_KEY


@require_POST
@login_required
def switch(request):
    """Work in another of the person's organizations: as staff it is a choice kept in the
    session; as a partner's person it is that organization's User, signed in in its place."""
    try:
        chosen = int(request.POST.get("organization", ""))
    except ValueError:
        raise Http404 from None
    place = next((p for p in places_of(request.user) if p.organization_id == chosen), None)
    if place is None:
        raise Http404
    if place.user_id != request.user.pk:
        login(request, User.objects.get(pk=place.user_id), backend="enlace.accounts.backends.PortalBackend")
    request.session[SESSION_KEY] = place.organization_id
    return redirect("home")
