"""My account: what a signed-in person changes about their own sign-in, the Account their Users
share in every organization: the password, the email address, the language, and which sessions
stay open.

Sessions: a session lives as long as the credentials it was opened with (User's session hash:
the password and the session salt, the same for all the account's Users). Changing the password
or "signing out of other sessions" therefore ends every session of the person, in every
organization; the view keeps its own with update_session_auth_hash.

A new address is only taken once the link emailed to it is followed (single use, a day long;
its token as every emailed link's, accounts.links); the old address is then told.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from enlace.accounts import joining, links
from enlace.accounts.links import language_of, organization_of
from enlace.accounts.models import Account, EmailChange, User
from enlace.accounts.services import email_in_use, set_own_password
from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations import secrets as link_secrets
from enlace.invitations.emails import from_address, secret_link
from enlace.lib import ratelimit
from enlace.lib.errors import DomainError
from enlace.mail.rendering import Email
from enlace.organizations.models import Membership

EMAIL_CHANGE_LIFETIME = timedelta(hours=24)
# Judged per person in ratelimit's window: wrong current passwords (guessing from a session
# left open), and new addresses asked for (each one emails a stranger's mailbox).
CURRENT_PASSWORD_TRIES = 5
EMAIL_CHANGES_PER_PERSON = 5
TOKEN_SALT = "enlace.accounts.email_change.token"
PROOF_SALT = "enlace.accounts.email_change.proof"


class EmailChangeInvalid(DomainError):
    """A confirmation link that is unknown, used, replaced or expired, or whose person can no
    longer sign in. One page for every reason."""

    def __init__(self, reason: str):
        super().__init__("email_change_invalid", _("This link is no longer valid."), reason=reason)
        self.reason = reason


def users_of(user: User) -> list[User]:
    """The person's Users: every organization's, through their account."""
    if user.account_id is None:
        return [user]
    return list(User.objects.filter(account=user.account_id).order_by("pk"))


def _person(user: User) -> str:
    return f"account-{user.account_id}" if user.account_id else f"user-{user.pk}"


def _record(user: User, action, *, detail: str = "") -> None:
    """One event in the organization of each of the person's Users: each organization's
    administrators see what happened to their own person."""
    for person in users_of(user):
        organization = organization_of(person)
        if organization is not None:  # an event belongs to an organization; a bare superuser has none
            record(organization=organization, action=action, actor=user, user=person, detail=detail)


def check_current_password(user: User, password: str, *, field: str) -> None:
    """The person proves it is them, not someone at a session left open. Wrong guesses are
    limited per person."""
    attempt = ratelimit.attempt("current_password", _person(user), limit=CURRENT_PASSWORD_TRIES)
    if not attempt.allowed:
        raise DomainError(
            "too_many_attempts", _("Too many failed attempts. Wait a few minutes and try again."), field=field
        )
    if not user.check_password(password or ""):
        raise DomainError("wrong_password", _("Your current password is not correct."), field=field)
    attempt.give_back()


def change_password(*, user: User, current_password: str, new_password: str) -> User:
    """A new password for the person in every organization. Their other sessions end (the
    module's rule). Raises DomainError for a wrong current password, ValidationError for a new
    one the validators refuse."""
    # Outside the transaction: a refused attempt still counts.
    check_current_password(user, current_password, field="current_password")
    with transaction.atomic():
        set_own_password(user=user, password=new_password)
        _record(user, AuditEvent.Action.PASSWORD_CHANGED)
    return user


@transaction.atomic
def end_other_sessions(*, user: User) -> User:
    """End every session of the person, in every organization, but the one the caller keeps."""
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])  # User.save shares it with the account's Users
    _record(user, AuditEvent.Action.OTHER_SESSIONS_ENDED)
    return user


@transaction.atomic
def choose_language(*, user: User, language: str) -> None:
    """The person's own language, for the pages once signed in and for the emails sent to them,
    whatever their organizations' languages."""
    if language not in dict(settings.LANGUAGES):
        raise DomainError("unknown_language", _("Choose one of the languages offered."), field="language")
    account = _account_of(user)
    account.language = language
    account.save(update_fields=["language"])


def _account_of(user: User) -> Account:
    """The person's account; a User made outside Enlace's own flows (a superuser made with
    Django's createsuperuser) opens theirs now."""
    if user.account_id is None:
        joining.open_account(user)
        user.save(update_fields=["account"])
    return user.account


def check_email_free(user: User, email: str) -> None:
    """The address belongs to nobody else the person's organizations know, nor to another
    account: one address, one person, in each organization (emails_in_use) and at sign-in."""
    taken = DomainError(
        "email_taken", _("This email address is already used by someone else."), field="new_email"
    )
    account = joining.account_of(email)
    if account is not None and account.pk != user.account_id:
        raise taken
    users = users_of(user)
    organizations = {person.organization_id for person in users if person.organization_id}
    organizations.update(Membership.objects.filter(user__in=users).values_list("organization_id", flat=True))
    mine = User.objects.with_email(email).filter(pk__in=[person.pk for person in users])
    if mine.exists():
        return  # already the person's own (only its case changes)
    for organization_id in sorted(organizations):
        if email_in_use(email, organization=organization_id):
            raise taken


def ask_to_change_email(
    *, user: User, new_email: str, password: str, language: str = "", now=None
) -> EmailChange:
    """Email a confirmation link to the new address (normalized by the caller's form); nothing
    changes until it is followed. Its emails speak `language`, the one of the page the person
    asked from (their own choice, once signed in), else theirs (language_of). Replaces the
    person's unused links. Raises DomainError: a wrong password, the address already the
    person's or someone else's, too many requests."""
    now = now or timezone.now()
    check_current_password(user, password, field="password")
    if new_email.lower() == user.email.lower():
        raise DomainError("same_email", _("This is already your email address."), field="new_email")
    check_email_free(user, new_email)
    if not ratelimit.attempt("email_change", _person(user), limit=EMAIL_CHANGES_PER_PERSON).allowed:
        raise DomainError(
            "too_many_requests",
            _("You asked for too many changes of address. Wait a few minutes and try again."),
            field="new_email",
        )
    # The link and its email in one transaction (the rate limits above count either way).
    with transaction.atomic():
        EmailChange.objects.filter(user__in=users_of(user), used_at__isnull=True).delete()
        salt, token_hash = links.new_token(TOKEN_SALT)
        change = EmailChange.objects.create(
            user=user,
            new_email=new_email,
            token_salt=salt,
            token_hash=token_hash,
            language=language if language in dict(settings.LANGUAGES) else language_of(user),
            expires_at=now + EMAIL_CHANGE_LIFETIME,
        )
        send_confirmation_email.enqueue(change.pk)
        _record(user, AuditEvent.Action.EMAIL_CHANGE_ASKED, detail=new_email)
    return change


def token_of(change: EmailChange) -> str:
    return links.derive_token(TOKEN_SALT, change.token_salt)


def proof_of(change: EmailChange) -> str:
    return links.proof_of(PROOF_SALT, change)


def _changes():
    return EmailChange.objects.select_related("user__account", "user__organization")


def find_by_token(token: str, *, lock=False, now=None) -> EmailChange:
    """The usable change whose link token this is, or EmailChangeInvalid."""
    qs = _changes()
    if lock:
        qs = qs.select_for_update(of=("self",))
    change = qs.filter(token_hash=link_secrets.hash_secret(token or "")).first()
    if change is None:
        raise EmailChangeInvalid("unknown")
    check_usable(change, now=now)
    return change


def find_by_proof(change_id: int, proof: str, *, now=None) -> EmailChange:
    change = _changes().filter(pk=change_id).first()
    if change is None or not constant_time_compare(proof, proof_of(change)):
        raise EmailChangeInvalid("unknown")
    check_usable(change, now=now)
    return change


def check_usable(change: EmailChange, *, now=None) -> None:
    if change.used_at is not None:
        raise EmailChangeInvalid("used")
    if not change.is_usable(now):
        raise EmailChangeInvalid("expired")
    if not change.user.is_active:
        raise EmailChangeInvalid("user")


@transaction.atomic
def confirm_email_change(*, token: str, now=None) -> User:
    """Follow the link: the new address becomes the account's and each of its Users' (and the
    username of those who sign in with their address), the link is used up, the old address is
    told. Raises EmailChangeInvalid, or DomainError when someone took the address meanwhile."""
    now = now or timezone.now()
    change = find_by_token(token, lock=True, now=now)
    user = change.user
    people = list(User.objects.select_for_update().filter(pk__in=[p.pk for p in users_of(user)]))
    old_email, new_email = user.email, change.new_email
    check_email_free(user, new_email)
    try:
        with transaction.atomic():
            if user.account_id:
                Account.objects.filter(pk=user.account_id).update(email=new_email)
            for person in people:
                if person.username.lower() == person.email.lower():
                    person.username = new_email
                person.email = new_email
                person.save(update_fields=["email", "username"])
    except IntegrityError:
        raise DomainError(
            "email_taken", _("This email address is already used by someone else."), field="new_email"
        ) from None
    change.used_at = now
    change.save(update_fields=["used_at"])
    EmailChange.objects.filter(user__in=people, used_at__isnull=True).delete()
    user.refresh_from_db()
    _record(user, AuditEvent.Action.EMAIL_CHANGED, detail=f"{old_email} → {new_email}")
    send_changed_notice.enqueue(change.pk, old_email)
    return user


def _context(user: User, language: str) -> dict:
    organization = organization_of(user)
    return {
        "organization_name": organization.name if organization else "",
        "from_email": from_address(organization) if organization else settings.DEFAULT_FROM_EMAIL,
        "name": user.get_full_name() or user.username,
    }


def confirmation_email(change: EmailChange) -> Email:
    return Email(
        template="email-change",
        to=change.new_email,
        language=change.language,
        context={
            **_context(change.user, change.language),
            "new_email": change.new_email,
            "link": secret_link("accounts:email_change_link", token_of(change)),
            "expires": links.format_expiry(change.expires_at, organization_of(change.user), change.language),
        },
    )


def changed_notice(change: EmailChange, old_email: str) -> Email:
    return Email(
        template="email-changed",
        to=old_email,
        language=change.language,
        context={
            **_context(change.user, change.language),
            "old_email": old_email,
            "new_email": change.new_email,
        },
    )


def send_confirmation(change_id: int, *, attempt: int = 1, now=None) -> str:
    """Send the link to the new address, unless it was used, replaced or expired meanwhile."""
    now = now or timezone.now()
    change = _changes().filter(pk=change_id).first()
    if change is None or not change.is_usable(now):
        return "skipped"
    return links.send_email(
        lambda: confirmation_email(change),
        what=f"Email change confirmation {change_id}",
        attempt=attempt,
        retry=lambda attempt: send_confirmation_email.using(run_after=links.run_after(attempt, now)).enqueue(
            change_id, attempt + 1
        ),
    )


def send_notice(change_id: int, old_email: str, *, attempt: int = 1, now=None) -> str:
    """Tell the old address that the account's address changed (and to which)."""
    now = now or timezone.now()
    change = _changes().filter(pk=change_id).first()
    if change is None:
        return "skipped"
    return links.send_email(
        lambda: changed_notice(change, old_email),
        what=f"Email changed notice {change_id}",
        attempt=attempt,
        retry=lambda attempt: send_changed_notice.using(run_after=links.run_after(attempt, now)).enqueue(
            change_id, old_email, attempt + 1
        ),
    )


@task()
def send_confirmation_email(change_id: int, attempt: int = 1) -> str:
    return send_confirmation(change_id, attempt=attempt)


@task()
def send_changed_notice(change_id: int, old_email: str, attempt: int = 1) -> str:
    return send_notice(change_id, old_email, attempt=attempt)
