from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.db.models.functions import Lower

from enlace.accounts.models import User, having_email
from enlace.partners.taxids import PUNCTUATION


class PortalBackend(ModelBackend):
    """Log in with the username (a national ID or tax ID for partner users, stored compact, so
    typed with or without dots, dashes and spaces) or the email."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        username = username.strip()
        user = (
            User.objects.annotate(email_lower=Lower("email"))
            .filter(_username_is(username) | having_email(username))
            .first()
        )
        if user is None:
            User().set_password(password)  # same work as a real check, so timing tells nothing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def _username_is(username: str) -> Q:
    """The username as typed or, for a national ID (not an email), in the compact form it is
    stored in."""
    compact = PUNCTUATION.sub("", username).upper()
    if "@" in username or compact == username:
        return Q(username=username)
    return Q(username=username) | Q(username=compact)


def user_known_as(identifier: str) -> User | None:
    """The user that `identifier`, typed as at login (the username in any spelling, or the
    email), names; None if nobody. The password reset asks who you are this way."""
    identifier = identifier.strip()
    if not identifier:
        return None
    return (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(_username_is(identifier) | having_email(identifier))
        .first()
    )
