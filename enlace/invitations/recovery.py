"""Invitations whose delivery task ended without them.

A delivery task can end without sending its invitations: a database error in the middle of a
chunk fails the task and leaves them `queued`. `requeue_stranded_invitations` queues a new task
for each invitation still `queued` STRANDED_AFTER after it last changed with no task left to send
it (none ready, waiting for a retry, or running); `requeue_stranded_reminders` does the same for
reminders. The delivery's claims keep that from sending anything twice; an invitation claimed
when its task died is sent again once the claim is stale, as after a crash.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from enlace.invitations import failures
from enlace.invitations.delivery import INVITATION, give_up
from enlace.invitations.models import Invitation
from enlace.invitations.services import enqueue_delivery_tasks
from enlace.invitations.tasks import deliver_invitations

logger = logging.getLogger(__name__)

STRANDED_AFTER = timedelta(minutes=10)


def requeue_stranded_invitations(*, now=None, limit: int = 10000) -> int:
    """Queue again the invitations left `queued` by a delivery task that ended without them.

    Each time counts as a delivery attempt: an invitation whose task keeps dying (a database
    error that comes back) fails after ENLACE_MAIL_MAX_ATTEMPTS instead of being queued again
    for ever. Returns how many were queued again.
    """
    now = now or timezone.now()
    old = Q(state=Invitation.State.QUEUED, updated_at__lt=now - STRANDED_AFTER)
    # Looked up before taking any lock: during a long backlog every candidate has its task, and
    # the rows that workers are claiming must not wait for this scan.
    candidates = _without_a_live_task(Invitation.objects.filter(old).order_by("pk")[:limit])
    if not candidates:
        return 0
    with transaction.atomic():
        # Locked and checked again, so that a task finishing one meanwhile is not overtaken.
        stranded = list(
            Invitation.objects.select_for_update(skip_locked=True)
            .filter(old, pk__in=candidates)
            .select_related("organization")
            .order_by("pk")
        )
        spent = [i for i in stranded if i.delivery_attempts + 1 >= settings.MAIL_MAX_ATTEMPTS]
        for invitation in spent:
            give_up(
                invitation,
                reason=failures.TASK_ENDED,
                attempts=invitation.delivery_attempts + 1,
                purpose=INVITATION,
                claimed_at=invitation.sending_at,  # the dead task's claim, if it left one
            )
        pairs = [[i.pk, i.generation] for i in stranded if i not in spent]
        Invitation.objects.filter(pk__in=[pk for pk, _ in pairs]).update(
            updated_at=now, delivery_attempts=F("delivery_attempts") + 1
        )
        enqueue_delivery_tasks(pairs)
    if pairs:
        logger.warning("%d queued invitations had no delivery task left; queued again", len(pairs))
    return len(pairs)


def requeue_stranded_reminders(*, now=None) -> int:
    """Make due again the reminders whose task ended without sending them: still unsent
    STRANDED_AFTER after they were queued, and no task left to send them. The next reminder
    pass queues them again while they are still due (the link has not expired)."""
    now = now or timezone.now()
    stranded = _without_a_live_task(
        Invitation.objects.filter(
            Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("reminder_queued_at")),
            state=Invitation.State.SENT,
            used_at__isnull=True,
            expires_at__gt=now,
            reminder_queued_at__gte=F("sent_at"),
            reminder_queued_at__lt=now - STRANDED_AFTER,
        )
    )
    if not stranded:
        return 0
    # Conditional: a reminder sent meanwhile keeps its record.
    count = (
        Invitation.objects.filter(pk__in=stranded, reminder_queued_at__lt=now - STRANDED_AFTER)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("reminder_queued_at")))
        .update(reminder_queued_at=None)
    )
    if count:
        logger.warning("%d reminders had no delivery task left; due again", count)
    return count


def _without_a_live_task(invitations) -> list[int]:
    """The ids of `invitations` (a queryset) that no ready, waiting or running task names."""
    ids = list(invitations.values_list("pk", flat=True))
    if not ids:
        return []  # no need to read every live task's arguments
    live = invitations_with_a_live_task()
    return [pk for pk in ids if pk not in live]


def invitations_with_a_live_task() -> set[int]:
    """Ids of the invitations named by delivery tasks that are ready, waiting or running."""
    live = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        task_path=deliver_invitations.module_path,
    )
    ids = set()
    for args_kwargs in live.values_list("args_kwargs", flat=True).iterator():
        pairs = (args_kwargs.get("args") or [None])[0] or args_kwargs.get("kwargs", {}).get("pairs") or []
        ids.update(int(pk) for pk, _ in pairs)
    return ids
