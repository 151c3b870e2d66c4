"""Reads for the "User activation requests" page and its export."""

from django.db.models import Case, CharField, F, Q, Value, When
from django.utils import timezone

from enlace.invitations.models import Invitation
from enlace.partners.models import Partner

MAX_SEARCH_WORDS = 5


def search_invitations(
    *, organization, state: str = "", kind: str = "", query: str = "", now=None, limit=None
):
    """The organization's invitations, newest first, with the partner joined in.

    Each row carries `shown_state`: its state, except that a pending invitation past its expiry
    reads `expired` before the periodic job gets to it, and the `state` filter agrees with it.
    Every word of the query must match a first or last name, the email, or the partner's name
    or code, so "maria paredes" finds María José Paredes. With `limit`, a search keeps only its
    newest `limit` + 1 matches (one more than the page lists tells it there are more); without,
    every match (the export).
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
    words = query.split()[:MAX_SEARCH_WORDS]
    if words and limit is not None:
        newest = _newest_matching_ids(invitations, organization, words, limit + 1)
        return invitations.filter(pk__in_array=newest)
    for word in words:
        invitations = invitations.filter(pk__in=_matching_ids(organization, word))
    return invitations


def _newest_matching_ids(invitations, organization, words, count: int) -> list[int]:
    """The ids of the newest `count` of `invitations` that match every word.

    The longest word (the likeliest to be rare) is matched as _matching_ids does, one way at a
    time (the person's columns, the partner's), each query stopping at its newest `count` rows;
    the other words and the filters are conditions of both, so together they hold the newest
    `count` that match everything.
    """
    lead, *others = sorted(words, key=len, reverse=True)
    mine = invitations.order_by()
    for word in others:
        mine = mine.filter(_person_matches(word) | Q(partner__in=_partners_matching(organization, word)))
    found = set()
    for way in (_person_matches(lead), Q(partner__in=_partners_matching(organization, lead))):
        found.update(mine.filter(way).order_by("-created_at", "-id").values_list("created_at", "pk")[:count])
    return [pk for _created, pk in sorted(found, reverse=True)[:count]]


def _person_matches(word: str) -> Q:
    return Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)


def _partners_matching(organization, word: str):
    partners = Partner.objects.filter(organization=organization).filter(
        Q(name__icontains=word) | Q(code__iexact=word)
    )
    return partners.order_by().values("pk")


def _matching_ids(organization, word: str):
    """The ids of the organization's invitations whose first or last name or email contains
    `word`, or whose partner's name contains it or code is it.

    The invitation's own columns and its partner's are two queries joined by UNION, so each
    reads its index; one OR across the join reads every invitation of the organization.
    """
    mine = Invitation.objects.for_organization(organization).order_by()
    by_person = mine.filter(_person_matches(word))
    by_partner = mine.filter(partner__in=_partners_matching(organization, word))
    return by_person.values("pk").union(by_partner.values("pk"))
