from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from enlace.accounts import two_factor

ALLOWED_WHILE_CHANGING = ("accounts:set_password", "accounts:logout", "set_language")


class PasswordChangeRequiredMiddleware:
    """A user who logged in with a temporary password can only reach the set-password page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            if self._allowed is None:
                self._allowed = {reverse(name) for name in ALLOWED_WHILE_CHANGING}
            if request.path not in self._allowed and not request.path.startswith("/static/"):
                return redirect("accounts:set_password")
        return self.get_response(request)


ALLOWED_WHILE_ENROLLING = (
    "accounts:two_factor",
    "accounts:two_factor_setup",
    "accounts:logout",
    "set_language",
)


class TwoFactorRequiredMiddleware:
    """An administrator of an organization that requires two-factor sign-in reaches only its
    setup pages until their session is verified with a code: one who has no authenticator sets
    one up; one who has (set up in another browser) signs in again, with it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.must_change_password  # the new password first
            and not user.is_verified()
            and two_factor.is_required(user, getattr(request, "memberships", None))
        ):
            if two_factor.is_enabled(user):
                logout(request)
                return redirect_to_login(request.get_full_path())
            if self._allowed is None:
                self._allowed = {reverse(name) for name in ALLOWED_WHILE_ENROLLING}
            if request.path not in self._allowed and not request.path.startswith("/static/"):
                return redirect("accounts:two_factor_setup")
        return self.get_response(request)
