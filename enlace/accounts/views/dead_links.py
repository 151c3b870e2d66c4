"""Links and codes that no longer open their invitation, explained to whoever holds a real one.

lookup.InvitationInvalid names the invitation only when the secret was real (current or
replaced by a resend), so an unknown link still gets the one generic page that tells nobody
which links exist. The holder of a real one reads why: used (sign in), replaced (use the latest
email, sent on ...), or expired, with a button that sends a fresh link to the invitation's own
address (accounts.services.renew_expired)."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from enlace.accounts.models import User
from enlace.accounts.services import renew_expired
from enlace.accounts.views.language import remember_language, speak_language_of
from enlace.invitations.lookup import InvitationInvalid
from enlace.invitations.models import Invitation
from enlace.lib import ratelimit

RENEW_SCOPE = "renew_link"
# Renewals asked from one client address per rate-limit window: each sends an email.
RENEWALS_PER_ADDRESS = 5
USED = frozenset({"used", Invitation.State.REGISTERED, Invitation.State.ACTIVATED})


def reason_shown(error: InvitationInvalid) -> str | None:
    """What the page may say: "used", "replaced" or "expired"; None for the generic page."""
    if error.invitation is None:
        return None
    if error.reason in USED:
        return "used"
    if error.reason in ("replaced", "expired"):
        return error.reason
    return None


def dead_link_page(request, error: InvitationInvalid, *, pending, renew_url: str):
    """The page of a link that did not open: its reason's, or the generic one. The flow's cookie
    is kept only for an expired link, whose page asks for a new one with it."""
    reason = reason_shown(error)
    if reason is None:
        return pending.forget(render(request, "accounts/link_invalid.html", status=410))
    invitation = error.invitation
    speak_language_of(request, invitation)
    context = {
        "reason": reason,
        "invitation": invitation,
        "replaced_at": error.replaced_at,
        "renew_url": renew_url,
        "awaits_activation": _awaits_activation(invitation),
    }
    response = render(request, "accounts/link_dead.html", context, status=410)
    return response if reason == "expired" else pending.forget(response)


def _awaits_activation(invitation: Invitation) -> bool:
    """A used registration link whose person has not opened the activation email yet."""
    return (
        invitation.kind == Invitation.Kind.REGISTRATION
        and invitation.user is not None
        and invitation.user.status == User.Status.PENDING_ACTIVATION
    )


def renew_link(request, *, pending):
    """ "Ask for a new link" on an expired link's page: the invitation is resent to its own
    address, and the person is told to open the newest email. Anything else (a link that works
    again, was used, replaced, or names nothing) goes back to the flow's page, which says so."""
    attempt = ratelimit.attempt(RENEW_SCOPE, ratelimit.client_address(request), limit=RENEWALS_PER_ADDRESS)
    if not attempt.allowed:
        return render(request, "accounts/link_invalid.html", {"rate_limited": True}, status=429)
    try:
        pending.find(request)
    except InvitationInvalid as error:
        if reason_shown(error) == "expired" and renew_expired(invitation=error.invitation):
            response = redirect("accounts:link_renewed")
            return pending.forget(remember_language(request, response, error.invitation.language))
    attempt.give_back()  # nothing was sent
    return redirect(pending.page)


@require_GET
def link_renewed(request):
    return render(request, "accounts/link_renewed.html")
