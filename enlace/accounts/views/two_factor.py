"""Two-factor sign-in pages: the code step of signing in, a person's own settings (set up, new
recovery codes, turn off), and an administrator's reset of a staff member's.

Between the password and the code nobody is signed in: the session holds only who is signing in
(PENDING), and django.contrib.auth's login happens once the code is right.
"""

import time
from contextlib import contextmanager

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from enlace.accounts import services, two_factor
from enlace.accounts.models import User
from enlace.accounts.selectors import organization_users
from enlace.lib import ratelimit
from enlace.lib.errors import DomainError
from enlace.organizations.decorators import staff_required
from enlace.organizations.middleware import SESSION_KEY

BACKEND = "enlace.accounts.backends.PortalBackend"
PENDING = "two_factor_pending"
PENDING_SECONDS = 300  # time to find the phone and type its code
REMEMBER_COOKIE = "enlace_two_factor"
RATE_SCOPE = "otp"
# Per person, fewer than per address: six digits are guessed sooner than a password.
WRONG_CODES_PER_PERSON = 10


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class SignInCodeForm(CodeForm):
    remember = forms.BooleanField(
        label=gettext_lazy("Remember this browser for %(days)s days") % {"days": two_factor.REMEMBER_DAYS},
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = gettext_lazy(
            "The six digits your authenticator app shows, or one of your recovery codes."
        )


@contextmanager
def code_attempt(request, user: User):
    """Count a typed code against the browser's address and the person before it is judged;
    a code accepted (the block ends without an error) is given back."""
    attempts = [
        ratelimit.attempt(RATE_SCOPE, ratelimit.client_address(request)),
        ratelimit.attempt(RATE_SCOPE, f"user:{user.pk}", limit=WRONG_CODES_PER_PERSON),
    ]
    if not all(attempt.allowed for attempt in attempts):
        for attempt in attempts:
            if attempt.allowed:
                attempt.give_back()
        raise DomainError("too_many", gettext_lazy("Too many wrong codes. Wait a few minutes and try again."))
    yield
    for attempt in attempts:
        attempt.give_back()


# Signing in


def ask_for_code(request, user: User, *, next_url: str, organization_id: int | None = None):
    """The password was right and the person has an authenticator: remember who is signing in,
    without signing them in, and ask for the code."""
    request.session[PENDING] = {
        "user": user.pk,
        "auth_hash": user.get_session_auth_hash(),  # a new password meanwhile ends it
        "at": int(time.time()),
        "next": next_url,
        "organization": organization_id,
    }
    return redirect("accounts:two_factor_verify")


def without_code(request, user: User):
    """Whether `user` may be signed in without typing a code (they need none, or this browser
    was remembered for them), and the device that then stands for the code (or None)."""
    if not two_factor.needs_code(user):
        return True, None
    device = two_factor.remembered_device(user, request.COOKIES.get(REMEMBER_COOKIE, ""))
    return device is not None, device


def _pending_user(request) -> User | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or not constant_time_compare(pending.get("auth_hash", ""), user.get_session_auth_hash()):
        return None
    return user


@require_http_methods(["GET", "POST"])
def verify(request):
    user = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.error(request, _("Sign in again: the time to type the code is over."))
        return redirect("accounts:login")
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with code_attempt(request, user):
                device = two_factor.verify(user, form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            pending = request.session.pop(PENDING)
            login(request, user, backend=BACKEND)
            otp_login(request, device)
            if pending.get("organization"):
                request.session[SESSION_KEY] = pending["organization"]
            services.note_login(user)
            response = redirect(pending.get("next") or settings.LOGIN_REDIRECT_URL)
            if form.cleaned_data["remember"]:
                _remember(response, user)
            return response
    return render(request, "accounts/two_factor/verify.html", {"form": form})


def _remember(response, user: User) -> None:
    device = two_factor.device_of(user)
    response.set_cookie(
        REMEMBER_COOKIE,
        two_factor.remember_token(user, device),
        max_age=two_factor.REMEMBER_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# The person's own settings


def _staff(request) -> User:
    if not two_factor.is_staff(request.user):
        raise Http404
    return request.user


@login_required
def overview(request):
    user = _staff(request)
    enabled = two_factor.is_enabled(user)
    return render(
        request,
        "accounts/two_factor/overview.html",
        {
            "enabled": enabled,
            "required": two_factor.is_required(user, request.memberships),
            "codes_left": two_factor.recovery_codes_left(user) if enabled else 0,
            "form": CodeForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    user = _staff(request)
    if two_factor.is_enabled(user):
        return redirect("accounts:two_factor")
    device = two_factor.start_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with code_attempt(request, user):
                device, codes = two_factor.confirm_enrolment(user, form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            otp_login(request, device)  # this session proved the code
            messages.success(request, _("Two-factor sign-in is on."))
            # Shown in this response only: the codes are not kept anywhere they could be shown again.
            return render(request, "accounts/two_factor/recovery_codes.html", {"codes": codes})
    return render(
        request,
        "accounts/two_factor/setup.html",
        {
            "form": form,
            # Markup segno writes from our own address (its title escaped by segno).
            # Markup segno writes from our own address (it escapes the title).
            "qr_code": mark_safe(two_factor.qr_code_svg(device)),  # noqa: S308
            "secret": two_factor.secret_of(device),
        },
    )


@require_POST
@login_required
def recovery_codes(request):
    user = _staff(request)
    if not request.user.is_verified():
        messages.error(request, _("Sign in again with your code to make new recovery codes."))
        return redirect("accounts:two_factor")
    try:
        codes = two_factor.new_recovery_codes(user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounts:two_factor")
    return render(request, "accounts/two_factor/recovery_codes.html", {"codes": codes})


@require_POST
@login_required
def disable(request):
    user = _staff(request)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            with code_attempt(request, user):
                two_factor.disable(user, form.cleaned_data["code"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Two-factor sign-in is off."))
    return redirect("accounts:two_factor")


# An administrator's reset


@require_POST
@staff_required(admin=True)
def reset(request, pk):
    """A staff member lost their phone: their administrator resets their two-factor sign-in."""
    staff = organization_users(request.organization).filter(
        profile=User.Profile.STAFF, organization__isnull=True
    )
    user = get_object_or_404(staff, pk=pk)
    two_factor.reset(user=user, organization=request.organization, by=request.user)
    messages.success(
        request,
        _("%(name)s's two-factor sign-in was reset: they sign in with their password and set it up again.")
        % {"name": user},
    )
    return redirect("accounts:user_detail", pk=user.pk)
