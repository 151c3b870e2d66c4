"""Forgotten passwords: a person asks by username or email, receives a single-use link valid for
an hour, and chooses a new password.

Whoever asks gets the same answer at the same speed, whether the account exists or not: the
request only counts its rate limits and enqueues a task with what was typed (ask_for_reset);
the worker finds the account and decides (answer_request). A ready or active account gets a
link; a pending one gets its activation email again (services.resend_activation); a disabled
one, one without an email address, or nobody, gets nothing.

The link's token, the proof the browser keeps instead and the email's language are those of
every emailed link (accounts.links).
"""

import contextlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from enlace.accounts import links
from enlace.accounts.backends import people_known_as
from enlace.accounts.links import language_of, organization_of
from enlace.accounts.models import PasswordReset, User
from enlace.accounts.services import resend_activation
from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations import secrets
from enlace.invitations.emails import from_address, secret_link
from enlace.lib import ratelimit
from enlace.lib.errors import DomainError
from enlace.mail.rendering import Email

LIFETIME = timedelta(hours=1)
# Requests judged per typed identifier and per account in ratelimit's window: enough for a
# person who mistyped or lost the first email, too few to flood anyone's mailbox.
REQUESTS_PER_IDENTIFIER = 5
REQUESTS_PER_ACCOUNT = 5
TOKEN_SALT = "enlace.accounts.password_reset.token"
PROOF_SALT = "enlace.accounts.password_reset.proof"


class ResetInvalid(DomainError):
    """A reset link that is unknown, used, replaced or expired, or whose account can no longer
    use it. One page for every reason."""

    def __init__(self, reason: str):
        super().__init__("reset_invalid", _("This link is no longer valid."), reason=reason)
        self.reason = reason


def ask_for_reset(*, identifier: str, address: str, language: str) -> None:
    """Someone asks for a reset link. The same work for every identifier, known or not: count
    the rate limits (per client address and per identifier as typed) and, within them, enqueue
    the task that answers. Nothing here looks the account up."""
    identifier = identifier.strip()
    by_address = ratelimit.attempt("password_reset", address)
    by_identifier = ratelimit.attempt(
        "password_reset_identifier", identifier.lower(), limit=REQUESTS_PER_IDENTIFIER
    )
    if by_address.allowed and by_identifier.allowed:
        answer_reset_request.enqueue(identifier, language)


def answer_request(*, identifier: str, language: str = "") -> None:
    """The worker's side of a request: a link for a ready or active account, the activation
    email again for a pending one, nothing otherwise. Limited per account too, whichever
    spelling of the username or email was typed. A username several organizations give to
    different people reaches each of them, at their own address."""
    for user in people_known_as(identifier):
        _answer_person(user, language)


def _answer_person(user: User, language: str) -> None:
    if not user.is_active or not user.email:
        return
    person = f"account-{user.account_id}" if user.account_id else str(user.pk)
    if not ratelimit.attempt("password_reset_account", person, limit=REQUESTS_PER_ACCOUNT).allowed:
        return
    if user.status == User.Status.PENDING_ACTIVATION:
        # Nothing to resend (no invitation, or it was revoked): the admin has to act.
        with contextlib.suppress(DomainError):
            resend_activation(user=user, by=None)
        return
    issue_reset(user=user, language=language)


@transaction.atomic
def issue_reset(*, user: User, language: str = "", now=None) -> PasswordReset:
    """A new reset link for the user, replacing their unused ones; its email is enqueued in the
    same transaction."""
    now = now or timezone.now()
    PasswordReset.objects.filter(user=user, used_at__isnull=True).delete()
    salt, token_hash = links.new_token(TOKEN_SALT)
    reset = PasswordReset.objects.create(
        user=user,
        token_salt=salt,
        token_hash=token_hash,
        language=language_of(user, language),
        expires_at=now + LIFETIME,
    )
    send_reset_email.enqueue(reset.pk)
    return reset


def token_of(reset: PasswordReset) -> str:
    return links.derive_token(TOKEN_SALT, reset.token_salt)


def reset_email(reset: PasswordReset) -> Email:
    user = reset.user
    organization = organization_of(user)
    return Email(
        template="password-reset",
        to=user.email,
        language=reset.language,
        context={
            "organization_name": organization.name if organization else "",
            "from_email": from_address(organization) if organization else settings.DEFAULT_FROM_EMAIL,
            "name": user.get_full_name() or user.username,
            "username": user.username,
            "link": secret_link("accounts:password_reset_link", token_of(reset)),
            "expires": links.format_expiry(reset.expires_at, organization, reset.language),
        },
    )


def send_email(reset_id: int, *, attempt: int = 1, now=None) -> str:
    """Send a reset link's email, unless the link was used, replaced or expired meanwhile.
    Temporary failures are retried later, as invitations are (delivery.retry_delay)."""
    now = now or timezone.now()
    reset = (
        PasswordReset.objects.select_related("user__organization", "user__account")
        .filter(pk=reset_id)
        .first()
    )
    if reset is None or not reset.is_usable(now):
        return "skipped"
    return links.send_email(
        lambda: reset_email(reset),
        what=f"Password reset email {reset_id}",
        attempt=attempt,
        retry=lambda attempt: send_reset_email.using(run_after=links.run_after(attempt, now)).enqueue(
            reset_id, attempt + 1
        ),
    )


def find_by_token(token: str, *, lock=False, now=None) -> PasswordReset:
    """The usable reset whose link token this is, or ResetInvalid."""
    qs = PasswordReset.objects.select_related("user")
    if lock:
        qs = qs.select_for_update(of=("self",))
    reset = qs.filter(token_hash=secrets.hash_secret(token or "")).first()
    if reset is None:
        raise ResetInvalid("unknown")
    check_usable(reset, now=now)
    return reset


def check_usable(reset: PasswordReset, *, now=None) -> None:
    if reset.used_at is not None:
        raise ResetInvalid("used")
    if not reset.is_usable(now):
        raise ResetInvalid("expired")
    if not reset.user.is_active or reset.user.status == User.Status.PENDING_ACTIVATION:
        raise ResetInvalid("user")


def proof_of(reset: PasswordReset) -> str:
    return links.proof_of(PROOF_SALT, reset)


def find_by_proof(reset_id: int, proof: str, *, now=None) -> PasswordReset:
    reset = PasswordReset.objects.select_related("user").filter(pk=reset_id).first()
    if reset is None or not constant_time_compare(proof, proof_of(reset)):
        raise ResetInvalid("unknown")
    check_usable(reset, now=now)
    return reset


@transaction.atomic
def reset_password(*, token: str, password: str, now=None) -> User:
    """Set the new password and use the link up. The user's other sessions end (Django checks
    each session against the password it was opened with), their other links die, a temporary
    password stops counting. Raises ResetInvalid, or ValidationError for a password the
    validators refuse."""
    now = now or timezone.now()
    reset = find_by_token(token, lock=True, now=now)
    user = User.objects.select_for_update().get(pk=reset.user_id)
    validate_password(password, user)
    was_active = user.status == User.Status.ACTIVE
    user.set_password(password)
    if was_active:
        user.mark_ready()
    user.save()
    reset.used_at = now
    reset.save(update_fields=["used_at"])
    PasswordReset.objects.filter(user=user, used_at__isnull=True).delete()
    organization = organization_of(user)
    if organization is not None:  # an event belongs to an organization; a bare superuser has none
        record(organization=organization, action=AuditEvent.Action.PASSWORD_RESET, actor=user, user=user)
        if was_active:
            record(organization=organization, action=AuditEvent.Action.READY, actor=user, user=user)
    return user


# The tasks live with the flow: a request's task issues the link, which enqueues its email's.
@task()
def answer_reset_request(identifier: str, language: str = "") -> None:
    answer_request(identifier=identifier, language=language)


@task()
def send_reset_email(reset_id: int, attempt: int = 1) -> str:
    return send_email(reset_id, attempt=attempt)
