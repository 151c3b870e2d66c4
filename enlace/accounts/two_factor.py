"""Two-factor sign-in for staff: after the password, a code from an authenticator app (TOTP), or
one of ten single-use recovery codes when the phone is lost.

django-otp keeps the secrets: a TOTPDevice per person (unconfirmed while they set it up) and a
StaticDevice holding the recovery codes. A browser may be remembered for REMEMBER_DAYS: a signed
token bound to the person, their device's key and their password, so that a reset or a new
password makes it worthless. Wrong codes are counted by the views with enlace.lib.ratelimit.
"""

from base64 import b32encode
from urllib.parse import quote, urlencode

import segno
from django.core import signing
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from enlace.accounts.models import User
from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.lib.errors import DomainError
from enlace.organizations.models import Membership, Organization

ISSUER = "Enlace"
RECOVERY_CODES = 10
REMEMBER_DAYS = 30
_REMEMBER_SALT = "enlace.accounts.two_factor.remember"


def is_staff(user: User) -> bool:
    """Two-factor sign-in is for staff (partners' people sign in with their password)."""
    return user.profile == User.Profile.STAFF and user.organization_id is None


def device_of(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator, if they set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_required(user: User, memberships=None) -> bool:
    """Whether an organization where the person is an administrator requires it of them.
    `memberships`: the user's own, with their organizations, when the caller has them."""
    if memberships is None:
        memberships = Membership.objects.filter(user=user).select_related("organization")
    return any(m.is_admin and m.organization.require_two_factor_for_admins for m in memberships)


def needs_code(user: User) -> bool:
    """Whether signing in as this user takes a code after the password."""
    return is_staff(user) and is_enabled(user)


# Setting it up


def start_enrolment(user: User) -> TOTPDevice:
    """The authenticator the person is setting up: a new secret, kept unconfirmed until they type
    a code from it (the same one on reloading the page, so a scanned code keeps working)."""
    if not is_staff(user):
        raise DomainError("not_staff", _("Two-factor sign-in is for staff."))
    if is_enabled(user):
        raise DomainError("already_enabled", _("Two-factor sign-in is already on."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The secret as apps take it typed (base32), in groups of four for reading."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(device: TOTPDevice) -> str:
    """The otpauth:// address the QR code carries: the issuer and the person's email."""
    label = quote(f"{ISSUER}:{device.user.email}")
    params = urlencode(
        {
            "secret": b32encode(device.bin_key).decode(),
            "issuer": ISSUER,
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{params}"


def qr_code_svg(device: TOTPDevice) -> str:
    """The QR code of provisioning_uri as an inline SVG element."""
    return segno.make(provisioning_uri(device), error="m").svg_inline(
        scale=5, title=_("QR code for your authenticator app"), dark="#000", light="#fff"
    )


@transaction.atomic
def confirm_enrolment(user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """The person typed a code from the authenticator being set up: it is theirs from now on.
    Returns the device and the new recovery codes (shown once)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not device.verify_token(_digits(code)):
        raise wrong_code()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    _record(user, AuditEvent.Action.TWO_FACTOR_ENABLED, actor=user)
    return device, _replace_recovery_codes(user)


# Recovery codes


@transaction.atomic
def new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes; the previous ones stop working."""
    if not is_enabled(user):
        raise DomainError("not_enabled", _("Two-factor sign-in is off."))
    _record(user, AuditEvent.Action.RECOVERY_CODES_NEW, actor=user)
    return _replace_recovery_codes(user)


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def _replace_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "recovery", "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return [f"{code[:4]}-{code[4:]}" for code in codes]


# Signing in


def verify(user: User, code: str) -> Device:
    """The device that accepts `code`: six digits from the app, or an unused recovery code,
    which is used up. A wrong code, or one accepted once already, raises wrong_code()."""
    digits = _digits(code)
    with transaction.atomic():
        if len(digits) == 6 and digits.isdigit():
            device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if device is None or not device.verify_token(digits):
                raise wrong_code()
            return device
        recovery = digits.replace("-", "").lower()
        device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if not recovery or device is None or not device.verify_token(recovery):
            raise wrong_code()
        _record(user, AuditEvent.Action.RECOVERY_CODE_USED, actor=user)
        return device


def wrong_code() -> DomainError:
    return DomainError(
        "wrong_code", _("That code is not right. Type the code your app shows now."), field="code"
    )


def _digits(code: str) -> str:
    return "".join(code.split())


# Turning it off


@transaction.atomic
def disable(user: User, code: str) -> None:
    """The person turns two-factor sign-in off, proving it with a current code."""
    if is_required(user):
        raise DomainError("required", _("Your organization requires two-factor sign-in for administrators."))
    verify(user, code)
    _delete_devices(user)
    _record(user, AuditEvent.Action.TWO_FACTOR_DISABLED, actor=user)


@transaction.atomic
def reset(*, user: User, organization: Organization, by: User) -> None:
    """An administrator resets a staff member's two-factor sign-in (a lost phone): their
    authenticator and recovery codes are deleted, and they sign in with their password alone
    until they set it up again (at once, if the organization requires it)."""
    if not is_staff(user) or not Membership.objects.filter(user=user, organization=organization).exists():
        raise DomainError("not_staff", _("Only the organization's staff have two-factor sign-in."))
    _delete_devices(user)
    record(organization=organization, action=AuditEvent.Action.TWO_FACTOR_RESET, actor=by, user=user)


def _delete_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def _record(user: User, action: str, *, actor: User) -> None:
    """One event in each organization the person works for: each one's administrators see it."""
    for membership in Membership.objects.filter(user=user).select_related("organization"):
        record(organization=membership.organization, action=action, actor=actor, user=user)


# Remembering a browser


def remember_token(user: User, device: TOTPDevice) -> str:
    """A signed token that spares this browser the code for REMEMBER_DAYS."""
    return signing.dumps({"user": user.pk, "proof": _proof(user, device)}, salt=_REMEMBER_SALT)


def remembered_device(user: User, token: str) -> TOTPDevice | None:
    """The person's device, if `token` was made for them, with their current device and
    password, less than REMEMBER_DAYS ago."""
    if not token:
        return None
    try:
        payload = signing.loads(token, salt=_REMEMBER_SALT, max_age=REMEMBER_DAYS * 24 * 3600)
    except signing.BadSignature:
        return None
    device = device_of(user)
    if device is None or not isinstance(payload, dict) or payload.get("user") != user.pk:
        return None
    return device if constant_time_compare(str(payload.get("proof")), _proof(user, device)) else None


def _proof(user: User, device: TOTPDevice) -> str:
    # Derived from the device's key and the password hash: a reset, a new authenticator or a new
    # password changes it. A keyed hash, so the token reveals neither.
    return salted_hmac(_REMEMBER_SALT, f"{device.pk}.{device.key}.{user.password}").hexdigest()
