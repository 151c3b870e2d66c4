"""The emails of invitations: one function per email, each saying which templates, to whom, in
which language, with what values and headers (enlace.mail.rendering renders and sends them)."""

import functools
import re
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from enlace.invitations import secrets
from enlace.invitations.models import Invitation
from enlace.invitations.secrets import secret_of
from enlace.lib.sentences import before_period
from enlace.mail.rendering import Email
from enlace.organizations.time_zones import format_moment

TEMPLATE_FOR_KIND = {
    Invitation.Kind.ACTIVATION: "activation",
    Invitation.Kind.REGISTRATION: "registration",
    Invitation.Kind.SUPPLIER_CODE: "supplier-code",
}
# Values of the context that are the same for every invitee of an organization (and language);
# the rest are the invitee's own (see enlace.mail.rendering.Email.shared).
SHARED = frozenset({"organization_name", "from_email", "has_own_password", "joins_account", "is_code"})


def from_address(organization) -> str:
    """The configured sender, shown with the inviting organization's name."""
    return _from_address(organization.name, settings.DEFAULT_FROM_EMAIL)


@functools.lru_cache(maxsize=256)
def _from_address(name: str, default: str) -> str:
    _, address = parseaddr(default)
    display = " ".join(name.split())  # no CR/LF can reach a header
    return formataddr((display, address))


# What reverse() gives around a link's secret, worked out once: secrets are URL-safe base64,
# which reverse() would leave as they are.
_PLACEHOLDER = "Zq0secret0qZ"
_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


def secret_link(view: str, secret: str) -> str:
    if not _URL_SAFE.fullmatch(secret):
        return settings.BASE_URL + reverse(view, args=[secret])
    before, after = _around_secret(view, settings.BASE_URL, get_script_prefix(), get_urlconf())
    return before + secret + after


@functools.lru_cache(maxsize=64)
def _around_secret(view, base_url, prefix, urlconf):
    before, _, after = (base_url + reverse(view, args=[_PLACEHOLDER])).partition(_PLACEHOLDER)
    return before, after


def invitation_context(invitation: Invitation) -> dict:
    """What the templates show, as plain strings and booleans (no model objects: see SHARED)."""
    organization = invitation.organization
    secret = secret_of(invitation)
    context = {
        "organization_name": organization.name,
        "from_email": from_address(organization),
        "name": invitation.full_name or invitation.email,
        "partner_name": invitation.partner.name if invitation.partner_id else "",
        # Read wherever the invitee is: the time in the organization's zone, and the zone.
        "expires": format_moment(
            invitation.expires_at, zone=organization.zone.key, language=invitation.language
        ),
    }
    if invitation.kind == Invitation.Kind.ACTIVATION:
        user = invitation.user
        context["link"] = secret_link("accounts:activation_link", secret)
        context["username"] = user.username
        context["name"] = invitation.full_name or user.username
        context["temporary_password"] = ""
        if user.has_temporary_password:
            context["temporary_password"] = secrets.derive_temporary_password(invitation.secret_salt)
        context["has_own_password"] = user.has_usable_password() and not user.has_temporary_password
        # Asked only where the answer can be yes: a joining person gets no temporary password.
        context["joins_account"] = (
            not context["has_own_password"]
            and not context["temporary_password"]
            and user.joins_existing_account()
        )
    elif invitation.kind == Invitation.Kind.REGISTRATION:
        context["link"] = secret_link("accounts:registration_link", secret)
        # The email's sentence "... on behalf of <customer>." ends with it.
        context["partner_name"] = before_period(context["partner_name"])
    else:
        context["code"] = secret
        context["link"] = settings.BASE_URL + reverse("accounts:supplier_register")
    return context


def invitation_metadata(invitation: Invitation) -> dict:
    """What each message carries so that a later bounce finds its invitation and generation."""
    return {"invitation": str(invitation.pk), "generation": str(invitation.generation)}


def invitation_email(invitation: Invitation) -> Email:
    """The invitation itself: the activation link, the registration link or the supplier code."""
    return Email(
        template=TEMPLATE_FOR_KIND[invitation.kind],
        to=invitation.email,
        language=invitation.language,
        context=invitation_context(invitation),
        headers={"Message-ID": invitation.message_id},
        shared=SHARED,
        metadata=invitation_metadata(invitation),
    )


def reminder_email(invitation: Invitation) -> Email:
    """A reminder shortly before the link or code expires, in the invitation's thread."""
    context = invitation_context(invitation)
    context["is_code"] = invitation.kind == Invitation.Kind.SUPPLIER_CODE
    context["name"] = invitation.full_name or invitation.email
    domain = invitation.message_id.rpartition("@")[2]
    return Email(
        template="reminder",
        to=invitation.email,
        language=invitation.language,
        context=context,
        headers={
            "Message-ID": f"<reminder-{invitation.pk}-{invitation.generation}@{domain}",
            "References": invitation.message_id,
        },
        shared=SHARED,
    )
