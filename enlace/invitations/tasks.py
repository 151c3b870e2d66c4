from django_tasks import task

from enlace.invitations.delivery import INVITATION, deliver_chunk


@task()
def deliver_invitations(pairs: list[list[int]], purpose: str = INVITATION, attempt: int = 1) -> dict:
    """Send the emails (invitations, or reminders) of a chunk of invitations given as [id,
    generation] pairs; `attempt` counts the tries after temporary failures."""
    return deliver_chunk(pairs, purpose=purpose, attempt=attempt, requeue=deliver_later)


def deliver_later(pairs, *, purpose: str, attempt: int, run_after) -> None:
    deliver_invitations.using(run_after=run_after).enqueue(pairs, purpose=purpose, attempt=attempt)
