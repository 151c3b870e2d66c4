from django.db import models


class WorkerHeartbeat(models.Model):
    """A running `enlace worker` says it is alive here every few seconds.

    A task left RUNNING by a worker whose heartbeat stopped longer than the lease ago is taken
    back and queued again (see enlace.worker.recovery).
    """

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    beat_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "mail_workerheartbeat"  # where it was created

    def __str__(self):
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
