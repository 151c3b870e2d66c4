from django.contrib.auth.backends import ModelBackend
from django.db.models import F, Q
from django.db.models.functions import Lower

from enlace.accounts.models import User, having_email
from enlace.partners.taxids import PUNCTUATION


class PortalBackend(ModelBackend):
    """Log in with the username (a national ID or tax ID for partner users, stored compact, so
    typed with or without dots, dashes and spaces) or the email.

    Usernames and addresses are unique per organization only, so one may name several Users:
    those of one account share its password and are checked once; the person lands in the one
    they used last (the organization switcher reaches the others).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        username = username.strip()
        candidates = (
            _known_as(username)
            .exclude(password__startswith="!")  # unusable: nobody logs in with it
            .order_by(F("last_login").desc(nulls_last=True), "pk")
        )
        by_password = {}
        for user in candidates:
            by_password.setdefault(user.password, []).append(user)
        if not by_password:
            User().set_password(password)  # same work as a real check, so timing tells nothing
            return None
        for users in by_password.values():
            if users[0].check_password(password):
                usable = [user for user in users if self.user_can_authenticate(user)]
                return min(usable, key=_preference) if usable else None
        return None

    def get_user(self, user_id):
        # With the account: every page reads the person's chosen language (User.chosen_language).
        user = User.objects.select_related("account").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def _preference(user):
    """Of one person's Users, an accepted one before a pending one (which is refused at login)."""
    return user.status == User.Status.PENDING_ACTIVATION


def _username_is(username: str) -> Q:
    """The username as typed or, for a national ID (not an email), in the compact form it is
    stored in."""
    compact = PUNCTUATION.sub("", username).upper()
    if "@" in username or compact == username:
        return Q(username=username)
    return Q(username=username) | Q(username=compact)


def _known_as(identifier: str):
    return User.objects.annotate(email_lower=Lower("email")).filter(
        _username_is(identifier) | having_email(identifier)
    )


def people_known_as(identifier: str) -> list[User]:
    """The people that `identifier`, typed as at login (the username in any spelling, or the
    email), names: one User per account (the enabled, accepted one first), and each User that
    has no account yet. A username is unique per organization only, so it may name several
    people. The password reset asks who you are this way."""
    identifier = identifier.strip()
    if not identifier:
        return []
    people = {}
    users = list(_known_as(identifier).order_by("-is_active", F("last_login").desc(nulls_last=True), "pk"))
    with_accounts = {user.email.lower() for user in users if user.account_id}
    for user in users:
        if user.account_id:
            people.setdefault(("account", user.account_id), user)
        elif user.email.lower() not in with_accounts:
            # (Invited elsewhere by an address that has an account: that account answers.)
            people.setdefault(("user", user.pk), user)
    return list(people.values())
