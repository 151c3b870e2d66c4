"""The email each kind of invitation sends, rendered in the invitee's language."""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.urls import reverse

from enlace.invitations import secrets
from enlace.invitations.models import Invitation
from enlace.invitations.services import secret_of
from enlace.mail.bounces import invitation_metadata
from enlace.mail.rendering import render_email

TEMPLATE_FOR_KIND = {
    Invitation.Kind.ACTIVATION: "activation",
    Invitation.Kind.REGISTRATION: "registration",
    Invitation.Kind.SUPPLIER_CODE: "supplier-code",
}


def from_address(organization) -> str:
    """The configured sender, shown with the inviting organization's name."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    display = " ".join(organization.name.split())  # no CR/LF can reach a header
    return formataddr((display, address))


def invitation_context(invitation: Invitation) -> dict:
    organization = invitation.organization
    secret = secret_of(invitation)
    context = {
        "invitation": invitation,
        "organization": organization,
        "from_email": from_address(organization),
        "expires_at": invitation.expires_at,
    }
    if invitation.kind == Invitation.Kind.ACTIVATION:
        user = invitation.user
        context["link"] = settings.BASE_URL + reverse("accounts:activation_link", args=[secret])
        context["username"] = user.username
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
