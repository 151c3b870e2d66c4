from django.db import models


class MailboxMessage(models.Model):
    """An outgoing message kept by the development mailbox instead of being sent."""

    message_id = models.CharField(max_length=300, blank=True)
    from_email = models.CharField(max_length=300)
    to = models.CharField(max_length=1000)
    subject = models.CharField(max_length=500)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.subject} → {self.to}"


class WorkerHeartbeat(models.Model):
    """A running `enlace worker` says it is alive here every few seconds.

    A task left RUNNING by a worker whose heartbeat stopped longer than the lease ago is taken
    back and queued again (see enlace.mail.recovery).
    """

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class SendingSchedule(models.Model):
    """When an organization with a sending rate may send its next message (shared by all workers).

    The earliest time of the next message advances by 60/rate seconds per message sent; a worker
    that finds it in the future defers the rest of its chunk until then instead of waiting.
    """

    organization = models.OneToOneField(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    next_at = models.DateTimeField()

    def __str__(self):
        return f"{self.organization_id} next at {self.next_at:%H:%M:%S}"
