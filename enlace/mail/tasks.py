from django_tasks import task

from enlace.mail.delivery import INVITATION, deliver_chunk


@task()
def deliver_invitations(pairs: list[list[int]], purpose: str = INVITATION, attempt: int = 1) -> dict:
    """Send the emails (invitations, or reminders) of a chunk of invitations given as [id,
    generation] pairs; `attempt` counts the tries after temporary failures."""
    return deliver_chunk(pairs, purpose=purpose, attempt=attempt)
