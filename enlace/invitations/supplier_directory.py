"""The supplier directory: every supplier of an organization with its network status.

It joins partners with their invitations, so it lives with the invitations (above partners).

Status comes from two places, both computed in the page's one query: the Company (registered
once for every organization that lists it) and the partner's latest activation-code invitation,
whatever became of it: invited (its code works), failed (its email could not be delivered),
expired (its code no longer works, though the nightly expiry may not have marked it yet) or
revoked.
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
EXPIRED = "expired"
REVOKED = "revoked"
NOT_INVITED = "not_invited"

STATUSES = [
    (REGISTERED, pgettext_lazy("supplier status", "Registered")),
    (INVITED, _("Invited (pending)")),
    (FAILED, _("Invitation failed")),
    (EXPIRED, _("Invitation expired")),
    (REVOKED, _("Invitation revoked")),
    (NOT_INVITED, _("Not invited")),
]

# Pending and not failed: the code works until it expires.
WAITING = [s for s in Invitation.PENDING_STATES if s != Invitation.State.FAILED]


def _latest_invitation():
    """The partner's newest activation-code invitation, whatever its state."""
    return Invitation.objects.filter(partner=OuterRef("pk"), kind=Invitation.Kind.SUPPLIER_CODE).order_by(
        "-created_at", "-id"
    )


def status_condition(status: str, now) -> Q | None:
    registered = Q(company__registered_at__isnull=False)
    waiting = Q(invitation_state__in=WAITING)
    conditions = {
        REGISTERED: registered,
        FAILED: ~registered & Q(invitation_state=Invitation.State.FAILED),
        INVITED: ~registered & waiting & Q(invitation_expires_at__gt=now),
        EXPIRED: ~registered
        & (Q(invitation_state=Invitation.State.EXPIRED) | waiting & Q(invitation_expires_at__lte=now)),
        REVOKED: ~registered & Q(invitation_state=Invitation.State.REVOKED),
        NOT_INVITED: ~registered & Q(invitation_state__isnull=True),
    }
    return conditions.get(status)


def supplier_directory(
    *, organization, query: str = "", group_id=None, status: str = "", now=None, limit=None, narrow=None
):
    """The organization's suppliers, searched and filtered, each annotated with the state,
    expiry and delivery error of its latest invitation. `limit` as in search_partners: the
    status filter, and the caller's own `narrow` (a function of a queryset), count toward it."""
    now = now or timezone.now()
    latest = _latest_invitation()
    condition = status_condition(status, now)

    def with_status(suppliers):
        suppliers = suppliers.annotate(
            invitation_state=Subquery(latest.values("state")[:1]),
            invitation_expires_at=Subquery(latest.values("expires_at")[:1]),
            delivery_error=Subquery(latest.values("delivery_error")[:1]),
        )
        suppliers = suppliers if condition is None else suppliers.filter(condition)
        return suppliers if narrow is None else narrow(suppliers)

    return search_partners(
        organization=organization,
        kind=Partner.Kind.SUPPLIER,
        query=query,
        group_id=group_id,
        narrow=with_status,
        limit=limit,
    )


def status_of(partner, now=None) -> str:
    """The directory status of a partner from supplier_directory(), as status_condition says."""
    state = partner.invitation_state
    if partner.company.registered_at is not None:
        return REGISTERED
    if state is None:
        return NOT_INVITED
    if state == Invitation.State.FAILED:
        return FAILED
    if state == Invitation.State.REVOKED:
        return REVOKED
    if state in WAITING and partner.invitation_expires_at > (now or timezone.now()):
        return INVITED
    return EXPIRED
