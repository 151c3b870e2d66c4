"""Account activation by emailed link."""

from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from enlace.accounts import services
from enlace.accounts.forms import NewPasswordForm
from enlace.accounts.views.language import remember_language, speak_language_of
from enlace.invitations.lookup import InvitationInvalid, find_by_token
from enlace.invitations.models import Invitation
from enlace.lib import ratelimit

ACTIVATION_TOKEN_SESSION_KEY = "activation_token"


def activation_link(request, token):
    """The emailed link. Opening it never consumes it (mail scanners open links too): the token
    moves to the session and the browser is sent to a token-free address, so it cannot leak
    through the Referer header either."""
    request.session[ACTIVATION_TOKEN_SESSION_KEY] = token
    return redirect("accounts:activate")


@require_http_methods(["GET", "POST"])
def activate(request):
    token = request.session.get(ACTIVATION_TOKEN_SESSION_KEY, "")
    attempt = ratelimit.attempt("activate", ratelimit.client_address(request))
    if not attempt.allowed:
        return render(request, "accounts/link_invalid.html", {"rate_limited": True}, status=429)
    try:
        invitation = find_by_token(token, kind=Invitation.Kind.ACTIVATION)
    except InvitationInvalid:
        return render(request, "accounts/link_invalid.html", status=410)
    attempt.give_back()  # a valid link: only wrong ones count
    speak_language_of(request, invitation)
    # With the *link only* style the person has no password yet and chooses it here.
    needs_password = not invitation.user.has_usable_password()
    form = NewPasswordForm(request.POST or None) if needs_password else None
    if request.method == "POST" and (form is None or form.is_valid()):
        password = form.cleaned_data["password1"] if form else None
        try:
            user = services.activate_account(token=token, password=password)
        except InvitationInvalid:
            return render(request, "accounts/link_invalid.html", status=410)
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            del request.session[ACTIVATION_TOKEN_SESSION_KEY]
            if password is not None:
                login(request, user, backend="enlace.accounts.backends.PortalBackend")
                response = redirect("home")
            else:
                response = render(request, "accounts/activated.html", {"activated_user": user})
            return remember_language(request, response, invitation.language)
    return render(
        request,
        "accounts/activate.html",
        {"form": form, "temporary_password": invitation.user.must_change_password},
    )
