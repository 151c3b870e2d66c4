"""The supplier directory: every supplier of an organization with its network status.

It joins partners with their invitations, so it lives with the invitations (above partners).

Status comes from two places, both computed in the page's one query: the Company (registered
once for every organization that lists it) and the partner's latest pending activation-code
invitation (invited, or failed when its email could not be delivered).
"""

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


def _latest_pending_invitation(now):
    """The partner's newest pending activation-code invitation that has not expired: its code
    still works (a failed one too: resending it is what the directory offers)."""
    return Invitation.objects.filter(
        partner=OuterRef("pk"),
        kind=Invitation.Kind.SUPPLIER_CODE,
        state__in=Invitation.PENDING_STATES,
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
    `invitation_state` and `delivery_error` of its latest pending invitation."""
    now = now or timezone.now()
    latest = _latest_pending_invitation(now)
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
