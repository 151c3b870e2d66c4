from django_tasks import task

from enlace.mail.delivery import deliver_invitation_chunk


@task()
def deliver_invitations(pairs: list[list[int]]) -> dict:
    """Send the emails of a chunk of invitations, given as [id, generation] pairs."""
    return deliver_invitation_chunk(pairs)
