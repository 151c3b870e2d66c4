from django_tasks import task

from enlace.api.webhooks import deliver


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at sending one webhook delivery (it reschedules itself when it fails)."""
    return deliver(delivery_id)
