"""Take back the tasks of workers that died, and keep each live worker's heartbeat.

A task is RUNNING from the moment a worker claims it (django_tasks_db, SELECT … FOR UPDATE SKIP
LOCKED) until that worker records its result. A worker killed in between leaves it RUNNING for
ever. Every `enlace worker` therefore beats a heartbeat row every quarter of the lease, from a
thread of its own so that a long task does not silence it; `recover_abandoned_tasks` queues
again each RUNNING task whose worker's heartbeat is older than the lease. What the task had done
already is not done twice: the delivery claims each invitation before sending it and records it
right after (enlace.invitations.delivery), and an import applies in one transaction that died with it.
A task taken back MAX_CLAIMS times (one that kills its worker each time) fails instead.
"""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from enlace.worker.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

MAX_CLAIMS = 5


def lease() -> timedelta:
    """How long a worker may be silent before its tasks are taken back."""
    return timedelta(seconds=getattr(settings, "MAIL_LEASE_SECONDS", 300))


def beat(worker_id: str, now=None) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "beat_at": now or timezone.now(),
            "hostname": socket.gethostname()[:200],
            "pid": os.getpid(),
        },
    )


def recover_abandoned_tasks(*, now=None) -> int:
    """Queue again the tasks left RUNNING by workers whose heartbeat stopped; return how many."""
    now = now or timezone.now()
    cutoff = now - lease()
    alive = set(WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True))
    recovered = 0
    for task in (
        DBTaskResult.objects.running().filter(started_at__lt=cutoff).only("pk", "worker_ids", "started_at")
    ):
        owner = task.worker_ids[-1] if task.worker_ids else None
        if owner in alive:
            continue
        # Conditional on the claim we saw, so that a task claimed again meanwhile is left alone.
        same_claim = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        if len(task.worker_ids) >= MAX_CLAIMS:
            changed = same_claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="enlace.worker.recovery.WorkerDied",
                traceback=f"The worker running this task stopped {len(task.worker_ids)} times.",
            )
        else:
            changed = same_claim.update(status=TaskResultStatus.READY, run_after=get_date_max())
        if changed:
            logger.warning("Task %s: worker %s stopped answering; task queued again", task.pk, owner)
            recovered += 1
    WorkerHeartbeat.objects.filter(beat_at__lt=now - lease() * 100).delete()
    return recovered


class Heartbeat(threading.Thread):
    """Beats for its worker every quarter of the lease until the process ends."""

    def __init__(self, worker_id: str):
        super().__init__(name="enlace-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self):
        period = lease().total_seconds() / 4
        while not self.stopped.wait(period):
            try:
                close_old_connections()
                beat(self.worker_id)
            except Exception:
                logger.exception("Worker heartbeat failed; trying again")
        connection.close()

    def stop(self):
        self.stopped.set()
