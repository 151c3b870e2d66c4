from django.shortcuts import redirect
from django.urls import reverse

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
