"""The email each kind of invitation sends, rendered in the invitee's language."""

import functools
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from enlace.invitations import secrets
from enlace.invitations.models import Invitation
from enlace.invitations.services import secret_of
from enlace.mail.bounces import invitation_metadata
from enlace.mail.rendering import email_bytes, render_email

TEMPLATE_FOR_KIND = {
    Invitation.Kind.ACTIVATION: "activation",
    Invitation.Kind.REGISTRATION: "registration",
    Invitation.Kind.SUPPLIER_CODE: "supplier-code",
}
# Values of the context that are the same for every invitee of an organization (and language);
# the rest are the invitee's own (see enlace.mail.rendering.email_bytes).
SHARED = {"organization_name", "from_email", "has_own_password", "is_code"}


def from_address(organization) -> str:
    """The configured sender, shown with the inviting organization's name."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    display = " ".join(organization.name.split())  # no CR/LF can reach a header
    return formataddr((display, address))


@functools.lru_cache(maxsize=1024)
def format_expiry(expires_at, language: str, zone: str) -> str:
    """As the templates' `date:"DATETIME_FORMAT"` showed it; cached because a chunk's invitations
    mostly expire within the same second."""
    with translation.override(language):
        return formats.date_format(timezone.localtime(expires_at), "DATETIME_FORMAT")


def invitation_context(invitation: Invitation) -> dict:
    """What the templates show, as plain strings and booleans (no model objects: see SHARED)."""
    organization = invitation.organization
    secret = secret_of(invitation)
    context = {
        "organization_name": organization.name,
        "from_email": from_address(organization),
        "name": invitation.full_name or invitation.email,
        "partner_name": invitation.partner.name if invitation.partner_id else "",
        "expires": format_expiry(
            invitation.expires_at.replace(microsecond=0),
            invitation.language,
            timezone.get_current_timezone_name(),
        ),
    }
    if invitation.kind == Invitation.Kind.ACTIVATION:
        user = invitation.user
        context["link"] = settings.BASE_URL + reverse("accounts:activation_link", args=[secret])
        context["username"] = user.username
        context["name"] = invitation.full_name or user.username
        context["temporary_password"] = ""
        if user.has_temporary_password:
            context["temporary_password"] = secrets.derive_temporary_password(invitation.secret_salt)
        context["has_own_password"] = user.has_usable_password() and not user.has_temporary_password
    elif invitation.kind == Invitation.Kind.REGISTRATION:
        context["link"] = settings.BASE_URL + reverse("accounts:registration_link", args=[secret])
    else:
        context["code"] = secret
        context["link"] = settings.BASE_URL + reverse("accounts:supplier_register")
    return context


def build_invitation_email(invitation: Invitation):
    message = render_email(
        TEMPLATE_FOR_KIND[invitation.kind],
        to=invitation.email,
        language=invitation.language,
        context=invitation_context(invitation),
        headers={"Message-ID": invitation.message_id},
    )
    # Providers with bounce webhooks (anymail) send this back with the bounce.
    message.metadata = invitation_metadata(invitation)
    return message


def invitation_email_bytes(invitation: Invitation):
    """(sender, recipient, bytes) of the same email, for the worker's SMTP connection."""
    return split_bytes(
        TEMPLATE_FOR_KIND[invitation.kind],
        invitation,
        invitation_context(invitation),
        headers={"Message-ID": invitation.message_id},
    )


def split_bytes(name: str, invitation: Invitation, context: dict, *, headers: dict):
    shared = {key: value for key, value in context.items() if key in SHARED}
    personal = {key: value for key, value in context.items() if key not in SHARED}
    return email_bytes(
        name,
        to=invitation.email,
        language=invitation.language,
        shared=shared,
        personal=personal,
        headers=headers,
    )
