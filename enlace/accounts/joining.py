"""One person, many organizations: each organization has a User of its own for the person, and
the person's Account joins them, so one email and one password sign in everywhere.

A User gets its account when the person accepts that organization's invitation: a newcomer's
account is opened then; a person who already has one (invited by another organization first)
accepts with its password, which proves the invitation reached the account's owner and not
merely someone holding the link.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from enlace.accounts.models import CREDENTIALS, Account, User
from enlace.lib.errors import DomainError
from enlace.organizations.models import Membership


def wrong_account_password(field: str = "password1") -> DomainError:
    return DomainError(
        "wrong_account_password",
        _(
            "You already have an Enlace account with this email. Enter its password to join; "
            "if you do not remember it, ask for a new one from the login page."
        ),
        field=field,
    )


def account_of(email: str) -> Account | None:
    return Account.objects.with_email(email).first()


def open_account(user: User) -> None:
    """A newcomer's first acceptance: their account starts with this User's password. Saved
    with the user by the caller."""
    try:
        with transaction.atomic():
            user.account = Account.objects.create(email=user.email.lower())
    except IntegrityError:
        # Another organization's invitation was accepted with this address meanwhile.
        raise wrong_account_password() from None


def join_account(user: User, *, account: Account, password: str) -> None:
    """Join the person's existing account, proven with its password; the User takes the
    account's password. Saved with the user by the caller."""
    if not account.check_password(password):
        raise wrong_account_password()
    share_credentials(user, account=account)


def share_credentials(user: User, *, account: Account) -> None:
    """Put the User in the account, with the account's password. Only for a person who proved
    they own the account (its password), or whom the account's owner made staff."""
    sibling = account.users.exclude(password__startswith="!").first()
    for field in CREDENTIALS:
        setattr(user, field, getattr(sibling, field))
    user.account = account


def accept(user: User, *, password: str | None) -> None:
    """The person accepts this organization's invitation: with their account's password if
    they have an account, else with `password` (None: the User's own, already set), which
    opens one. Saved with the user by the caller."""
    if user.account_id is not None:
        return
    account = account_of(user.email)
    if account is not None:
        join_account(user, account=account, password=password or "")
        return
    if password is not None:
        user.set_password(password)
    open_account(user)


@dataclass(frozen=True)
class Place:
    """Somewhere the person can work: an organization, as which of their Users."""

    organization_id: int
    organization_name: str
    user_id: int


def places_of(user: User, *, memberships=None) -> list[Place]:
    """Every organization the person's account reaches: as staff through memberships, as a
    partner's person through that organization's User. Pending and disabled Users are left out.
    `memberships`: the user's own, when the caller has them already."""
    others = []
    if user.account_id:
        others = list(
            User.objects.filter(account=user.account_id, is_active=True)
            .exclude(pk=user.pk)
            .exclude(status=User.Status.PENDING_ACTIVATION)
            .select_related("organization")
        )
    places = []
    for person in [user, *others]:
        if person.organization_id:
            places.append(Place(person.organization_id, person.organization.name, person.pk))
            continue
        if person is not user or memberships is None:
            memberships = Membership.objects.filter(user=person).select_related("organization")
        places += [Place(m.organization_id, m.organization.name, person.pk) for m in memberships]
    return sorted(places, key=lambda place: place.organization_name.lower())
