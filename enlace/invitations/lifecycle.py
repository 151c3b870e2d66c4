"""The invitation's lifecycle, declared once: which events move an invitation from which states
to which state.

Every change of state goes through `move` (one invitation, in Python), `moved` (a queryset
update that changes only the rows the event may move) or, for the delivery's fast path, the SQL
that `sql_case` writes from the same declaration. A test walks every pair of states and holds
the three to the same answers.
"""

from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from enlace.invitations.models import Invitation
from enlace.lib.errors import DomainError

State = Invitation.State

PENDING = frozenset(Invitation.PENDING_STATES)

# event: (the states it moves from, the state it moves to)
EVENTS = {
    # The delivery tasks are enqueued in the same transaction.
    "queue": (frozenset({State.CREATED}), State.QUEUED),
    # The server accepted the message.
    "send": (frozenset({State.QUEUED}), State.SENT),
    # The server, the provider or the worker gave up on the message.
    "fail": (PENDING, State.FAILED),
    # A fresh secret: the old link or code stops working; queued again right after.
    "resend": (PENDING | {State.EXPIRED}, State.CREATED),
    "revoke": (PENDING | {State.EXPIRED}, State.REVOKED),
    "expire": (PENDING, State.EXPIRED),
    # The person used the link or code.
    "register": (PENDING, State.REGISTERED),
    "activate": (PENDING, State.ACTIVATED),
}


class NotAllowed(DomainError):
    def __init__(self):
        super().__init__("not_pending", _("This invitation has already been used or revoked."))


def allowed(event: str, state: str) -> bool:
    sources, _target = EVENTS[event]
    return state in sources


def target(event: str) -> str:
    return EVENTS[event][1]


def move(invitation: Invitation, event: str) -> None:
    """Change the invitation's state for `event` (unsaved), or raise NotAllowed."""
    if not allowed(event, invitation.state):
        raise NotAllowed()
    invitation.state = target(event)


def may(event: str) -> Q:
    """The invitations that `event` may move."""
    return Q(state__in=sorted(EVENTS[event][0]))


def state_after(event: str) -> Case:
    """The state column after `event`, for an update that must leave the others as they are."""
    return Case(When(may(event), then=Value(target(event))), default=F("state"))


def sql_case(event: str, column: str) -> tuple[str, list]:
    """`CASE WHEN <column> IN (...) THEN <target> ELSE <column> END` and its parameters, for
    statements written out by hand."""
    sources = sorted(EVENTS[event][0])
    placeholders = ", ".join(["%s"] * len(sources))
    return (
        f"CASE WHEN {column} IN ({placeholders}) THEN %s ELSE {column} END",
        [*sources, target(event)],
    )
