"""The supplier directory: every supplier of an organization with its network status.

Status comes from two places, both computed in the page's one query: the Company (registered
once for every organization that lists it) and the partner's latest live activation-code
invitation (invited, or failed when its email could not be delivered).
"""

from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from enlace.invitations.models import Invitation
from enlace.partners.models import Partner
from enlace.partners.selectors import search_partners

REGISTERED = "registered"
INVITED = "invited"
FAILED = "failed"
NOT_INVITED = "not_invited"

STATUSES = [
    (REGISTERED, pgettext_lazy("supplier status", "Registered")),
    (INVITED, _("Invited (pending)")),
    (FAILED, _("Invitation failed")),
    (NOT_INVITED, _("Not invited")),
]

LIVE_STATES = (
    Invitation.State.CREATED,
    Invitation.State.QUEUED,
    Invitation.State.SENT,
    Invitation.State.FAILED,
)


def _latest_live_invitation(now):
    """The partner's newest activation-code invitation whose code still works."""
    return Invitation.objects.filter(
        partner=OuterRef("pk"),
        kind=Invitation.Kind.SUPPLIER_CODE,
        state__in=LIVE_STATES,
        expires_at__gt=now,
    ).order_by("-created_at", "-id")


def status_condition(status: str) -> Q | None:
    registered = Q(company__registered_at__isnull=False)
    if status == REGISTERED:
        return registered
    if status == FAILED:
        return ~registered & Q(invitation_state=Invitation.State.FAILED)
    if status == INVITED:
        return ~registered & Q(invitation_state__isnull=False) & ~Q(invitation_state=Invitation.State.FAILED)
    if status == NOT_INVITED:
        return ~registered & Q(invitation_state__isnull=True)
    return None


def supplier_directory(*, organization, query: str = "", group_id=None, status: str = "", now=None):
    """The organization's suppliers, searched and filtered, each annotated with
    `invitation_state` and `delivery_error` of its latest live invitation."""
    now = now or timezone.now()
    latest = _latest_live_invitation(now)
    suppliers = search_partners(
        organization=organization, kind=Partner.Kind.SUPPLIER, query=query, group_id=group_id
    ).annotate(
        invitation_state=Subquery(latest.values("state")[:1]),
        delivery_error=Subquery(latest.values("delivery_error")[:1]),
    )
    condition = status_condition(status)
    if condition is not None:
        suppliers = suppliers.filter(condition)
    return suppliers


def status_of(partner) -> str:
    """The directory status of a partner from supplier_directory()."""
    if partner.company.registered_at is not None:
        return REGISTERED
    if partner.invitation_state == Invitation.State.FAILED:
        return FAILED
    if partner.invitation_state:
        return INVITED
    return NOT_INVITED


@dataclass
class Page:
    """One page of a keyset-paginated list: no COUNT(*) and no OFFSET, so page 2,000 of a
    100,000-row directory costs what page 1 costs."""

    rows: list
    next_after: int | None
    previous_before: int | None


def keyset_page(queryset, *, anchors, after=None, before=None, size=50) -> Page:
    """Rows ordered by (name, id) after or before the row with that id. The id is looked up in
    `anchors` (the organization's partners), so a row that left the filter still anchors the
    page and another organization's id finds nothing and gives the first page."""
    cursor = after or before
    anchor = anchors.filter(pk=cursor).values("name", "pk").first() if cursor else None
    if anchor and before:
        # name <= n AND NOT (name = n AND id >= pk): the name part is an index range.
        earlier = Q(name__lte=anchor["name"]) & ~Q(name=anchor["name"], pk__gte=anchor["pk"])
        rows = list(queryset.filter(earlier).order_by("-name", "-pk")[: size + 1])
        has_more = len(rows) > size
        rows = rows[:size][::-1]
        return Page(
            rows,
            next_after=rows[-1].pk if rows else None,
            previous_before=rows[0].pk if has_more else None,
        )
    if anchor:
        queryset = queryset.filter(
            Q(name__gte=anchor["name"]) & ~Q(name=anchor["name"], pk__lte=anchor["pk"])
        )
    rows = list(queryset.order_by("name", "pk")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows,
        next_after=rows[-1].pk if has_more else None,
        previous_before=rows[0].pk if anchor and rows else None,
    )
