"""The organization switcher: one person, every organization their account reaches."""

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from enlace.accounts.joining import places_of
from enlace.accounts.models import User
from enlace.accounts.views.two_factor import ask_for_code, without_code
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
        # The password was given for the account; a staff user with an authenticator still
        # needs its code.
        user = User.objects.get(pk=place.user_id)
        allowed, device = without_code(request, user)
        if not allowed:
            return ask_for_code(
                request, user, next_url=reverse("home"), organization_id=place.organization_id
            )
        login(request, user, backend="enlace.accounts.backends.PortalBackend")
        if device is not None:
            otp_login(request, device)
    request.session[SESSION_KEY] = place.organization_id
    return redirect("home")
