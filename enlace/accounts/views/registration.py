"""Registration by emailed link: a customer's person, imported by an admin, completes the account.

The link leads to a form prefilled from the invitation. Submitting it consumes the registration
invitation and issues the activation email in one transaction (services.register_with_link);
the person then activates with that email's link and logs in with the password chosen here.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods, require_POST

from enlace.accounts.forms import RegistrationForm
from enlace.accounts.services import register_with_link
from enlace.accounts.views.dead_links import dead_link_page, renew_link
from enlace.accounts.views.language import speak_language_of
from enlace.accounts.views.pending import PendingInvitation
from enlace.invitations.lookup import InvitationInvalid
from enlace.invitations.models import Invitation
from enlace.invitations.secrets import secret_of
from enlace.lib import ratelimit
from enlace.lib.errors import DomainError

PENDING = PendingInvitation(
    cookie="enlace_registration",
    kind=Invitation.Kind.REGISTRATION,
    page="accounts:register",
    rate_scope="register",
)
REGISTERED_SESSION_KEY = "registration_done"


def registration_link(request, token):
    """The emailed link. Opening it never consumes it and writes nothing (mail scanners open
    links too): the browser keeps a proof of the invitation, not the token (views.pending), and
    goes to a token-free address, out of the Referer."""
    return PENDING.open_link(request, token)


def _invalid(request, *, rate_limited=False):
    """The same page for every unknown link: it tells nobody which links exist."""
    context = {"rate_limited": rate_limited}
    return render(request, "accounts/link_invalid.html", context, status=429 if rate_limited else 410)


def _dead(request, error):
    return dead_link_page(request, error, pending=PENDING, renew_url=reverse("accounts:register_renew"))


@require_POST
def renew(request):
    """ "Ask for a new link" on an expired registration link's page."""
    return renew_link(request, pending=PENDING)


@require_http_methods(["GET", "POST"])
def register(request):
    if not PENDING.is_open(request) and REGISTERED_SESSION_KEY in request.session:
        return _registered(request)
    attempt = ratelimit.attempt("register", ratelimit.client_address(request))
    if not attempt.allowed:
        return _invalid(request, rate_limited=True)
    try:
        invitation = PENDING.find(request)
    except InvitationInvalid as error:
        return _dead(request, error)
    attempt.give_back()  # a valid link: only wrong ones count
    speak_language_of(request, invitation)
    form = RegistrationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register_with_link(
                token=secret_of(invitation),
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                job_title=data["job_title"],
                language=data["language"],
            )
        except InvitationInvalid as error:
            return _dead(request, error)
        except ValidationError as error:
            form.add_error("password1", error)
        except DomainError as error:
            form.add_error(error.extra.get("field"), error.message)
        else:
            # Post/redirect/get: reloading the next page shows it again instead of re-posting.
            request.session[REGISTERED_SESSION_KEY] = {"email": user.email, "language": user.language}
            return PENDING.forget(redirect("accounts:register"))
    return render(request, "accounts/registration/form.html", {"form": form, "invitation": invitation})


def _registered(request):
    done = request.session[REGISTERED_SESSION_KEY]
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and done.get("language"):
        translation.activate(done["language"])
        request.LANGUAGE_CODE = done["language"]
    return render(request, "accounts/registration/registered.html", {"email": done["email"]})
