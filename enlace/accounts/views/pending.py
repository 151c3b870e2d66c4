"""Which invitation a person is in the middle of using, between the pages of a flow.

The emailed link's token and the typed code are never kept: not in the session table, where a
copy of the database would give them away, and not in a cookie. Each flow keeps, in a cookie of
its own scoped to its pages, the invitation's id and lookup.proof_of(invitation), a keyed hash
that the secret cannot be recovered from, that nobody can make without the server's key and
that dies with the secret; every page checks it against the invitation (lookup.find_by_proof).

Opening an emailed link therefore writes nothing to the database: the mail scanners and link
previews that open every link in every message add no session rows. The session is only
written once the person acts (logs in, or completes registration).
"""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from enlace.invitations.lookup import InvitationInvalid, find_by_proof, find_by_token, proof_of
from enlace.invitations.models import Invitation
from enlace.invitations.secrets import hash_secret
from enlace.lib import ratelimit

MAX_ID_DIGITS = 18  # a bigint has 19; a longer "id" cannot name a row
DEAD = "0"  # a link that did not work: names no invitation


class PendingInvitation:
    """One flow's cookie: `keep` it once the secret is verified, `find` the invitation on each
    page, `forget` it when the flow ends or the invitation stops working."""

    def __init__(self, *, cookie: str, kind: str, page: str, rate_scope: str = ""):
        self.cookie = cookie
        self.kind = kind
        self.page = page  # the URL name of the flow's page; the cookie's path is its URL
        self.rate_scope = rate_scope

    @property
    def path(self) -> str:
        return reverse(self.page)

    def open_link(self, request, token: str):
        """The emailed link: remember its invitation and go to the flow's page, whose address
        carries no token (so neither can the Referer). A link that does not open is remembered
        as dead, so that the page shows the invalid-link page and counts it, once, as for any
        dead link; a real one (expired, used, replaced) as a proof of the secret it carried,
        so that the page can say why (views.dead_links)."""
        response = redirect(self.page)
        if ratelimit.is_limited(self.rate_scope, ratelimit.client_address(request)):
            return self._set(response, DEAD)  # the page says why, without a lookup here
        try:
            invitation = find_by_token(token, kind=self.kind)
        except InvitationInvalid as error:
            if error.invitation is None:
                return self._set(response, DEAD)
            return self.keep(response, error.invitation, secret_hash=hash_secret(token))
        return self.keep(response, invitation)

    def keep(self, response, invitation: Invitation, *, secret_hash: str | None = None):
        """Remember the invitation, opened with its current secret or `secret_hash`'s."""
        return self._set(response, f"{invitation.pk}.{proof_of(invitation, secret_hash)}")

    def _set(self, response, value: str):
        response.set_cookie(
            self.cookie,
            value,
            max_age=settings.SESSION_COOKIE_AGE,
            path=self.path,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",  # sent when the person arrives from the email's link
        )
        return response

    def forget(self, response):
        response.delete_cookie(self.cookie, path=self.path, samesite="Lax")
        return response

    def is_open(self, request) -> bool:
        return bool(request.COOKIES.get(self.cookie))

    def find(self, request) -> Invitation:
        """The usable invitation this browser is using, or InvitationInvalid (CodeRefused for
        a supplier code) when there is none, the proof is wrong, or the invitation stopped
        working (with the invitation and the reason when the proof is real)."""
        invitation_id, _, proof = request.COOKIES.get(self.cookie, "").partition(".")
        if not (invitation_id.isascii() and invitation_id.isdigit() and len(invitation_id) <= MAX_ID_DIGITS):
            invitation_id = DEAD  # refused below like a wrong proof
        return find_by_proof(int(invitation_id), proof, kind=self.kind)


class PendingLink(PendingInvitation):
    """The cookie of a flow started by a link emailed to a person (a forgotten password, a new
    address), kept and checked as an invitation's: the link's id and a keyed proof of it, never
    the token. `flow` is the module that owns the link: find_by_token, proof_of, find_by_proof,
    and its one error, `invalid`."""

    def __init__(self, *, flow, invalid, **kwargs):
        super().__init__(kind="", **kwargs)
        self.flow = flow
        self.invalid = invalid

    def open_link(self, request, token: str):
        response = redirect(self.page)
        if ratelimit.is_limited(self.rate_scope, ratelimit.client_address(request)):
            return self._set(response, DEAD)
        try:
            link = self.flow.find_by_token(token)
        except self.invalid:
            return self._set(response, DEAD)
        return self.keep(response, link)

    def keep(self, response, link):
        return self._set(response, f"{link.pk}.{self.flow.proof_of(link)}")

    def find(self, request):
        link_id, _, proof = request.COOKIES.get(self.cookie, "").partition(".")
        if not (link_id.isascii() and link_id.isdigit() and len(link_id) <= MAX_ID_DIGITS):
            link_id = DEAD
        return self.flow.find_by_proof(int(link_id), proof)
