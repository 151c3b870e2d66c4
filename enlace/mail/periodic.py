"""The work `enlace worker` does once a minute by itself, so that no other daemon is needed."""

import logging

from enlace.imports.background import fail_abandoned_imports
from enlace.invitations.services import expire_overdue_invitations
from enlace.mail.recovery import (
    recover_abandoned_tasks,
    requeue_stranded_invitations,
    requeue_stranded_reminders,
)
from enlace.mail.reminders import queue_reminders

logger = logging.getLogger(__name__)


def run_periodic_work(*, now=None) -> dict:
    """Take back dead workers' tasks, queue again invitations and reminders no task will send,
    expire overdue invitations, queue due reminders, and mark failed the imports whose task gave
    up.

    Each part is safe to run in several workers at once: expiry and reminders lock or claim
    the rows they change, and recovery only moves a task whose claim it saw unchanged.
    """
    done = {}
    for name, job in (
        ("recovered", recover_abandoned_tasks),
        ("requeued", requeue_stranded_invitations),
        ("expired", expire_overdue_invitations),
        ("reminders_requeued", requeue_stranded_reminders),
        ("reminders", queue_reminders),
        ("abandoned_imports", fail_abandoned_imports),
    ):
        try:
            done[name] = job(now=now)
        except Exception:
            # One failing part must not stop the others, nor the worker.
            logger.exception("Periodic work %s failed", name)
    return done
