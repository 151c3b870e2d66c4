"""What every link emailed to a person shares (a forgotten password's, a new address's
confirmation): its token, the proof a browser keeps instead, the language and organization its
email speaks for, and the sending of that email.

A token is derived from a random salt with the server's key, as an invitation's secret is
(invitations.secrets), and only its SHA-256 hash is stored with the salt: the worker derives the
token again to write the email, and a copy of the database opens nothing. Between opening the
link and acting on it the browser keeps a keyed proof of the link, never the token (proof_of),
as the activation links do (views.pending).
"""

import base64
import logging
from collections.abc import Callable

from django.conf import settings
from django.utils.crypto import salted_hmac

from enlace.accounts.models import EmailedLink, User
from enlace.invitations import secrets
from enlace.invitations.delivery import retry_delay
from enlace.mail.channels import PermanentFailure, TemporaryFailure, send_one
from enlace.mail.rendering import Email
from enlace.organizations.models import Organization
from enlace.organizations.time_zones import format_moment

logger = logging.getLogger(__name__)


def new_token(key: str) -> tuple[str, str]:
    """A fresh salt and the hash of the token derived from it with `key` (one key per kind of
    link, so that no kind's token opens another's)."""
    salt = secrets.new_salt()
    return salt, secrets.hash_secret(derive_token(key, salt))


def derive_token(key: str, salt: str) -> str:
    """A URL-safe token (256 bits)."""
    digest = salted_hmac(key, salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def proof_of(key: str, link: EmailedLink) -> str:
    """What the browser keeps instead of the token (as invitations.lookup.proof_of): a keyed
    hash of the link's id and token hash, which no copy of the database can make."""
    return salted_hmac(key, f"{link.pk}:{link.token_hash}", algorithm="sha256").hexdigest()


def format_expiry(moment, organization: Organization | None, language: str) -> str:
    """When a link expires, in its organization's time zone (the server's without one)."""
    zone = organization.zone.key if organization else settings.TIME_ZONE
    return format_moment(moment, zone=zone, language=language)


def organization_of(user: User) -> Organization | None:
    """The organization the user's mail speaks for: the one that brought a partner's contact
    in, or a staff member's first."""
    if user.organization_id:
        return user.organization
    return Organization.objects.filter(memberships__user=user).order_by("memberships__id").first()


def language_of(user: User, fallback: str = "") -> str:
    """The language of the person's email: the one they chose for themselves (their account's),
    else the one this organization knows them by, else their organization's, else the one they
    asked in."""
    if user.chosen_language:
        return user.chosen_language
    if user.language:
        return user.language
    organization = organization_of(user)
    if organization is not None and organization.language:
        return organization.language
    return fallback if fallback in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def send_email(
    make_email: Callable[[], Email], *, what: str, attempt: int, retry: Callable[[int], None]
) -> str:
    """Send one email of a flow. A temporary failure is retried later, as invitations are
    (`retry(delay_attempt)` enqueues the next attempt), up to MAIL_MAX_ATTEMPTS."""
    try:
        send_one(make_email)
    except TemporaryFailure as failure:
        if attempt >= settings.MAIL_MAX_ATTEMPTS:
            logger.warning("%s failed after %s attempts: %s", what, attempt, failure)
            return "failed"
        retry(attempt)
        return "retrying"
    except PermanentFailure as failure:
        logger.warning("%s refused: %s", what, failure)
        return "failed"
    return "sent"


def run_after(attempt: int, now):
    """When the next attempt after `attempt` may run."""
    return now + retry_delay(attempt)
