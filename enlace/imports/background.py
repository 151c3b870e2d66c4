"""Large uploads: recorded at once, then validated and applied by the worker with live progress.

A file estimated to hold more than IMPORT_BACKGROUND_ROWS rows would keep a web request busy
for a minute or more; instead its batch is saved `queued` together with its task (one
transaction), and the page polls the batch's stage and counts. The task runs
services.process_queued_batch, the same validate-then-apply flow as import_file.
"""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from enlace.imports.columns import COLUMNS
from enlace.imports.models import RUNNING, ImportBatch, batch_error
from enlace.imports.readers import check_file, estimate_rows
from enlace.imports.services import import_file, store_file
from enlace.imports.tasks import process_import


def background_threshold() -> int:
    return getattr(settings, "IMPORT_BACKGROUND_ROWS", 2_000)


def import_or_queue(*, organization, kind, file, filename, by=None, resend_pending=False) -> ImportBatch:
    """The Imports page's and the API's upload: a small file is imported at once (import_file),
    a large one is queued for the worker (queue_import). Raises FileError as import_file does
    for a small file; for a large one, whatever can be refused without parsing it (readers.
    check_file: its type, size, zip, declared dimension, a CSV's header) is refused here, on the
    upload form, with the message `enlace import` gives; the rest is found by the worker and
    shown on its batch."""
    upload = dict(organization=organization, kind=kind, file=file, filename=filename, by=by)
    upload["resend_pending"] = resend_pending
    if estimate_rows(file, at_most=background_threshold() + 1) > background_threshold():
        check_file(file, filename, columns=COLUMNS[kind])
        return queue_import(**upload)
    return import_file(**upload)


def queue_import(*, organization, kind, file, filename, by=None, resend_pending=False) -> ImportBatch:
    """Record the batch with its file, `queued`, and enqueue its task in the same transaction."""
    batch = ImportBatch(
        organization=organization,
        kind=kind,
        filename=filename[:255],
        uploaded_by=by,
        status=ImportBatch.Status.QUEUED,
        resend_pending=resend_pending,
    )
    store_file(batch, file, filename)
    with transaction.atomic():
        batch.save()
        batch.task_id = str(process_import.enqueue(batch.pk).id)
        batch.save(update_fields=["task_id"])
    return batch


def fail_abandoned_imports(*, now=None) -> int:
    """Mark failed the running batches whose task ended without finishing them (a worker that
    died every time it took the task, see enlace.worker.recovery); return how many."""
    running = dict(
        ImportBatch.objects.filter(status__in=RUNNING).exclude(task_id="").values_list("task_id", "pk")
    )
    if not running:
        return 0
    alive = {
        str(pk)
        for pk in DBTaskResult.objects.filter(pk__in=list(running))
        .exclude(status__in=[TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL])
        .values_list("pk", flat=True)
    }
    failed = 0
    for task_id, batch_id in running.items():
        if task_id in alive:
            continue
        batch = ImportBatch.objects.select_related("organization").get(pk=batch_id)
        with translation.override(batch.organization.language):
            message = _(
                "The worker stopped several times while processing this file. Nothing was written. "
                "Upload it again, or split it into smaller files."
            )
        error = batch_error(code="interrupted", message=message)
        # Conditional: a batch that finished meanwhile keeps its outcome.
        failed += ImportBatch.objects.filter(pk=batch_id, status__in=RUNNING).update(
            status=ImportBatch.Status.FAILED, errors=[error]
        )
    return failed
