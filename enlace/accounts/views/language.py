"""The language of pages reached from an email."""

from django.conf import settings
from django.utils import translation


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
