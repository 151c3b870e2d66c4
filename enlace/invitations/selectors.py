"""Reads for the "User activation requests" page and its export."""

from datetime import timedelta

from django.db.models import Case, CharField, F, Q, Value, When
from django.utils import timezone

from enlace.invitations.models import Invitation
from enlace.partners.models import Partner

MAX_SEARCH_WORDS = 5
# "Expiring soon" on the home and in the list filter.
EXPIRING_HOURS = 48


# The steps of the onboarding funnel, each counting the invitations that reached it or went
# further (enlace.invitations.funnel counts them; the list filters by them with `stage`). A
# funnel follows the invitations that start an onboarding: a supplier's code, a customer
# person's registration link (whose activation email comes after, as the last step).
CAMPAIGN_KINDS = (Invitation.Kind.SUPPLIER_CODE, Invitation.Kind.REGISTRATION)
USED_STATES = (Invitation.State.REGISTERED, Invitation.State.ACTIVATED)
STAGES = ("invited", "delivered", "registered", "activated")


def stage_filter(stage: str) -> Q:
    """The invitations that reached `stage`: delivered means the mail server accepted the email
    (or the person used it, so it arrived); activated, for a registration link, means the
    person then activated the account it opened (their activation link was used)."""
    if stage not in STAGES:
        return Q()
    invited = Q(kind__in=CAMPAIGN_KINDS)
    if stage == "delivered":
        return invited & (Q(sent_at__isnull=False) | Q(state__in=USED_STATES))
    if stage == "registered":
        return invited & Q(state__in=USED_STATES)
    if stage == "activated":
        # An IN over the activated people, not a correlated EXISTS: the database hashes them once
        # instead of looking them up for every registered row.
        activated = Invitation.objects.filter(
            kind=Invitation.Kind.ACTIVATION, state=Invitation.State.ACTIVATED, user__isnull=False
        ).values("user_id")
        return invited & Q(state=Invitation.State.REGISTERED, user__in=activated)
    return invited


def state_filter(state: str, now) -> Q:
    """The invitations the list shows in `state`: a pending one past its expiry reads expired
    before the periodic job gets to it."""
    overdue = Q(state__in=Invitation.PENDING_STATES, expires_at__lte=now)
    if state == Invitation.State.EXPIRED:
        return Q(state=state) | overdue
    if state in Invitation.PENDING_STATES:
        return Q(state=state, expires_at__gt=now)
    if state in Invitation.State.values:
        return Q(state=state)
    return Q()


def expiring_filter(now, hours: int = EXPIRING_HOURS) -> Q:
    """Pending invitations whose link or code stops working within `hours`."""
    return Q(
        state__in=Invitation.PENDING_STATES, expires_at__gt=now, expires_at__lte=now + timedelta(hours=hours)
    )


def _as_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def search_invitations(
    *,
    organization,
    state: str = "",
    kind: str = "",
    query: str = "",
    stage: str = "",
    reason: str = "",
    batch="",
    group="",
    expiring: str = "",
    now=None,
    limit=None,
):
    """The organization's invitations, newest first, with the partner joined in.

    Each row carries `shown_state`: its state, except that a pending invitation past its expiry
    reads `expired` before the periodic job gets to it, and the `state` filter agrees with it.
    Every word of the query must match a first or last name, the email, or the partner's name
    or code, so "maria paredes" finds María José Paredes. `stage` keeps those that reached a
    step of the funnel, `reason` the failed deliveries with that error, `batch` those an import
    sent, `group` those of a partner group's partners, `expiring` the pending ones that stop
    working within 48 hours. Filters with a value that means nothing are left out. With
    `limit`, a search keeps only its newest `limit` + 1 matches (one more than the page lists
    tells it there are more); without, every match (the export).
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
        .filter(state_filter(state, now), stage_filter(stage))
        .order_by("-created_at", "-id")
    )
    if kind in Invitation.Kind.values:
        invitations = invitations.filter(kind=kind)
    if reason:
        invitations = invitations.filter(delivery_error=reason)
    if (batch_id := _as_id(batch)) is not None:
        # The link table belongs to the imports (ImportBatch.sent_invitations), named here only.
        invitations = invitations.filter(import_batches=batch_id)
    if (group_id := _as_id(group)) is not None:
        invitations = invitations.filter(partner__groups=group_id)
    if expiring:
        invitations = invitations.filter(expiring_filter(now))
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
