"""The language switch, and the language of pages reached from an email."""

import contextlib

from django.conf import settings
from django.utils import translation
from django.views.i18n import set_language as django_set_language

from enlace.accounts import my_account
from enlace.lib.errors import DomainError


def set_language(request):
    """The header's language switch (Django's, with its cookie). Once signed in, it is the
    person's own choice too: it is kept on their account, which wins over the cookie on every
    page (organizations.middleware)."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and language in dict(settings.LANGUAGES):
        # (A user made outside Enlace's flows whose account cannot be opened: the cookie says.)
        with contextlib.suppress(DomainError):
            my_account.choose_language(user=request.user, language=language)
    return response


def remember_language(request, response, language):
    """Keep speaking the person's language on the next pages (the login page above all)."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        # As Django's set_language view sets it: the LANGUAGE_COOKIE_* settings.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def speak_language_of(request, invitation) -> None:
    """Pages reached from an email speak the email's language, unless the person chose one."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(invitation.language)
        request.LANGUAGE_CODE = invitation.language
