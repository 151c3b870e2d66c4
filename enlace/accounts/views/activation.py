"""Account activation by emailed link."""

from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from enlace.accounts import services
from enlace.accounts.forms import AccountPasswordForm, NewPasswordForm
from enlace.accounts.views.dead_links import dead_link_page, renew_link
from enlace.accounts.views.language import remember_language, speak_language_of
from enlace.accounts.views.pending import PendingInvitation
from enlace.invitations.lookup import InvitationInvalid
from enlace.invitations.models import Invitation
from enlace.invitations.secrets import secret_of
from enlace.lib import ratelimit
from enlace.lib.errors import DomainError

PENDING = PendingInvitation(
    cookie="enlace_activation",
    kind=Invitation.Kind.ACTIVATION,
    page="accounts:activate",
    rate_scope="activate",
)


def activation_link(request, token):
    """The emailed link. Opening it never consumes it and writes nothing (mail scanners open
    links too): the browser keeps a proof of the invitation, not the token (views.pending), and
    is sent to a token-free address, so the token cannot leak through the Referer header either."""
    return PENDING.open_link(request, token)


def _dead(request, error):
    return dead_link_page(request, error, pending=PENDING, renew_url=reverse("accounts:activate_renew"))


@require_POST
def renew(request):
    """ "Ask for a new link" on an expired activation link's page."""
    return renew_link(request, pending=PENDING)


@require_http_methods(["GET", "POST"])
def activate(request):
    attempt = ratelimit.attempt("activate", ratelimit.client_address(request))
    if not attempt.allowed:
        return render(request, "accounts/link_invalid.html", {"rate_limited": True}, status=429)
    try:
        invitation = PENDING.find(request)
    except InvitationInvalid as error:
        return _dead(request, error)
    attempt.give_back()  # a valid link: only wrong ones count
    speak_language_of(request, invitation)
    # With the *link only* style the person has no password yet and chooses it here; a person
    # who already has an account (from another organization) gives its password instead.
    joins_account = invitation.user.joins_existing_account()
    if joins_account:
        form = AccountPasswordForm(request.POST or None)
    elif not invitation.user.has_usable_password():
        form = NewPasswordForm(request.POST or None)
    else:
        form = None
    if request.method == "POST" and (form is None or form.is_valid()):
        password = form.cleaned_data["password1"] if form else None
        try:
            user = services.activate_account(token=secret_of(invitation), password=password)
        except InvitationInvalid as error:
            return _dead(request, error)
        except ValidationError as error:
            form.add_error("password1", error)
        except DomainError as error:
            form.add_error(error.extra.get("field"), error.message)
        else:
            if password is not None:
                login(request, user, backend="enlace.accounts.backends.PortalBackend")
                response = redirect("home")
            else:
                response = render(request, "accounts/activated.html", {"activated_user": user})
            return PENDING.forget(remember_language(request, response, invitation.language))
    return render(
        request,
        "accounts/activate.html",
        {
            "form": form,
            "joins_account": joins_account,
            "invitation": invitation,
            "temporary_password": invitation.user.must_change_password,
        },
    )
