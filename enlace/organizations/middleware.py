from django.conf import settings
from django.utils import timezone, translation

from enlace.organizations.models import Membership

SESSION_KEY = "organization_id"


class CurrentOrganizationMiddleware:
    """Sets request.organization and request.membership for staff users, and the language and
    time zone of a signed-in person's pages (their organization's zone).

    The organization is the one chosen in the switcher (kept in the session) among the user's
    memberships; a user with no membership has none, and staff pages refuse them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        request.memberships = []
        user = request.user
        if user.is_authenticated:
            memberships = list(Membership.objects.filter(user=user).select_related("organization"))
            request.memberships = memberships
            chosen = request.session.get(SESSION_KEY)
            membership = next((m for m in memberships if m.organization_id == chosen), None)
            membership = membership or next(iter(memberships), None)
            if membership:
                request.membership = membership
                request.organization = membership.organization
            self._activate_language(request)
            organization = request.organization or user.organization
            if organization is not None:
                timezone.activate(organization.zone)
        try:
            return self.get_response(request)
        finally:
            # The thread serves other people next.
            timezone.deactivate()

    def _activate_language(self, request):
        # The language the person chose for themselves (My account, or the language switch
        # while signed in) wins; then an explicit choice made before signing in (the switch's
        # cookie); then the language this organization knows them by; then the organization's.
        # The browser's Accept-Language (LocaleMiddleware) only when none of these says.
        language = request.user.chosen_language
        if not language and settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return
        organization = request.organization or request.user.organization
        language = language or request.user.language or (organization.language if organization else None)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
