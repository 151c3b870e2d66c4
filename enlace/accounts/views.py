"""Login, first-login password change, and account activation by emailed link."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from enlace.accounts import services
from enlace.accounts.forms import LoginForm, NewPasswordForm
from enlace.invitations.models import Invitation
from enlace.invitations.services import InvitationInvalid, find_by_token
from enlace.lib import ratelimit

ACTIVATION_TOKEN_SESSION_KEY = "activation_token"


def remember_language(request, response, language):
    """Keep speaking the person's language on the next pages (the login page above all)."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def speak_language_of(request, invitation) -> None:
    """Pages reached from an email speak the email's language, unless the person chose one."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(invitation.language)
        request.LANGUAGE_CODE = invitation.language


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        identity = ratelimit.client_address(request)
        if ratelimit.is_limited("login", identity):
            messages.error(request, _("Too many failed attempts. Wait a few minutes and try again."))
            return redirect("accounts:login")
        response = super().post(request, *args, **kwargs)
        if response.status_code != 302:
            ratelimit.record_failure("login", identity)
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        services.note_login(form.get_user())
        return response


@require_http_methods(["GET", "POST"])
def set_password(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_own_password(user=request.user, password=form.cleaned_data["password1"])
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been saved."))
            return redirect("home")
    return render(request, "accounts/set_password.html", {"form": form})


def activation_link(request, token):
    """The emailed link. Opening it never consumes it (mail scanners open links too): the token
    moves to the session and the browser is sent to a token-free address, so it cannot leak
    through the Referer header either."""
    request.session[ACTIVATION_TOKEN_SESSION_KEY] = token
    return redirect("accounts:activate")


@require_http_methods(["GET", "POST"])
def activate(request):
    token = request.session.get(ACTIVATION_TOKEN_SESSION_KEY, "")
    identity = ratelimit.client_address(request)
    if ratelimit.is_limited("activate", identity):
        return render(request, "accounts/link_invalid.html", {"rate_limited": True}, status=429)
    try:
        invitation = find_by_token(token, kind=Invitation.Kind.ACTIVATION)
    except InvitationInvalid:
        ratelimit.record_failure("activate", identity)
        return render(request, "accounts/link_invalid.html", status=410)
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
