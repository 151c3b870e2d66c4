"""A profile review's lifecycle, declared once: which moves take a buyer's review of a supplier
from which states to which state. Every change of state goes through `move`."""

from django.utils.translation import gettext_lazy as _

from enlace.lib.errors import DomainError
from enlace.profiles.models import ProfileReview

State = ProfileReview.State

# move: (the states it moves from, the state it moves to)
MOVES = {
    # The supplier sends its latest version; after a rejection it may correct and try again.
    "submit": (frozenset({State.DRAFT, State.CHANGES_REQUESTED, State.REJECTED}), State.SUBMITTED),
    # The buyer's admins decide on a submitted profile.
    "approve": (frozenset({State.SUBMITTED}), State.APPROVED),
    "reject": (frozenset({State.SUBMITTED}), State.REJECTED),
    "request_changes": (frozenset({State.SUBMITTED}), State.CHANGES_REQUESTED),
    # A critical field changed after the approval: the buyer reviews it again.
    "reopen": (frozenset({State.APPROVED}), State.SUBMITTED),
}

REFUSALS = {
    "submit": _("The profile is already submitted to this buyer or approved by it."),
    "approve": _("Only a submitted profile can be approved."),
    "reject": _("Only a submitted profile can be rejected."),
    "request_changes": _("Changes can be requested only on a submitted profile."),
    "reopen": _("Only an approved profile goes back to review."),
}


class NotAllowed(DomainError):
    def __init__(self, move_name: str):
        super().__init__("not_allowed_in_state", REFUSALS[move_name])


def allowed(move_name: str, state: str) -> bool:
    return state in MOVES[move_name][0]


def move(review: ProfileReview, move_name: str) -> None:
    """Change the review's state for `move_name` (unsaved), or raise NotAllowed."""
    if not allowed(move_name, review.state):
        raise NotAllowed(move_name)
    review.state = MOVES[move_name][1]
