"""Login (its password step; the code step is in two_factor) and the first-login password change."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from enlace.accounts import services
from enlace.accounts.forms import LoginForm, NewPasswordForm
from enlace.accounts.views.two_factor import ask_for_code, without_code
from enlace.lib import ratelimit


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        attempt = ratelimit.attempt("login", ratelimit.client_address(request))
        if not attempt.allowed:
            messages.error(request, _("Too many failed attempts. Wait a few minutes and try again."))
            return redirect("accounts:login")
        response = super().post(request, *args, **kwargs)
        if response.status_code == 302:  # logged in: only failures count
            attempt.give_back()
        return response

    def form_valid(self, form):
        user = form.get_user()
        allowed, device = without_code(self.request, user)
        if not allowed:
            return ask_for_code(self.request, user, next_url=self.get_success_url())
        response = super().form_valid(form)
        if device is not None:
            otp_login(self.request, device)  # a browser remembered counts as the code typed
        services.note_login(user)
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
