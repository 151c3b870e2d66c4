"""Reads for the "User activation requests" page and its export."""

from django.db.models import Case, CharField, F, Q, Value, When
from django.utils import timezone

from enlace.invitations.models import Invitation
from enlace.partners.models import Partner

MAX_SEARCH_WORDS = 5


def search_invitations(*, organization, state: str = "", kind: str = "", query: str = "", now=None):
    """The organization's invitations, newest first, with the partner joined in.

    Each row carries `shown_state`: its state, except that a pending invitation past its expiry
    reads `expired` before the periodic job gets to it, and the `state` filter agrees with it.
    Every word of the query must match a first or last name, the email, or the partner's name
    or code, so "maria paredes" finds María José Paredes.
    """
    now = now or timezone.now()
    overdue = Q(state__in=Invitation.PENDING_STATES, expires_at__lte=now)
    invitations = (
        Invitation.objects.for_organization(organization)
        .select_related("partner")
        .annotate(
            shown_state=Case(
                When(overdue, then=Value(Invitation.State.EXPIRED.value)),
                default=F("state"),
                output_field=CharField(),
            )
        )
        .order_by("-created_at", "-id")
    )
    if state == Invitation.State.EXPIRED:
        invitations = invitations.filter(Q(state=state) | overdue)
    elif state in Invitation.PENDING_STATES:
        invitations = invitations.filter(state=state, expires_at__gt=now)
    elif state in Invitation.State.values:
        invitations = invitations.filter(state=state)
    if kind in Invitation.Kind.values:
        invitations = invitations.filter(kind=kind)
    for word in query.split()[:MAX_SEARCH_WORDS]:
        invitations = invitations.filter(pk__in=_matching_ids(organization, word))
    return invitations


def _matching_ids(organization, word: str):
    """The ids of the organization's invitations whose first or last name or email contains
    `word`, or whose partner's name contains it or code is it.

    The invitation's own columns and its partner's are two queries joined by UNION, so each
    reads its index; one OR across the join reads every invitation of the organization.
    """
    mine = Invitation.objects.for_organization(organization).order_by()
    by_person = mine.filter(
        Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
    )
    partners = Partner.objects.filter(organization=organization).filter(
        Q(name__icontains=word) | Q(code__iexact=word)
    )
    by_partner = mine.filter(partner__in=partners.order_by().values("pk"))
    return by_person.values("pk").union(by_partner.values("pk"))
