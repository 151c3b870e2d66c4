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
from enlace.imports.readers import detect_format, estimate_rows, read_rows
from enlace.imports.services import import_file, store_file
from enlace.imports.tasks import process_import


def background_threshold() -> int:
    return getattr(settings, "IMPORT_BACKGROUND_ROWS", 2_000)


def import_or_queue(*, organization, kind, file, filename, by=None) -> ImportBatch:
    """The Imports page's and the API's upload: a small file is imported at once (import_file),
    a large one is queued for the worker (queue_import). Raises FileError as import_file does
    for a small file; a large one's file errors are found by the worker and shown on its batch."""
    if estimate_rows(file, at_most=background_threshold() + 1) > background_threshold():
        _check_csv_header(file, filename, kind)
        return queue_import(organization=organization, kind=kind, file=file, filename=filename, by=by)
    return import_file(organization=organization, kind=kind, file=file, filename=filename, by=by)


def _check_csv_header(file, filename, kind) -> None:
    """A CSV's encoding and header are checked in a moment: a wrong column is answered on the
    upload form rather than by the worker. (A workbook would have to be parsed for that.)"""
    file.seek(0)
    if detect_format(file.read(8192)) == "csv":
        read_rows(file, filename, columns=COLUMNS[kind])
    file.seek(0)


def queue_import(*, organization, kind, file, filename, by=None) -> ImportBatch:
    """Record the batch with its file, `queued`, and enqueue its task in the same transaction."""
    batch = ImportBatch(
        organization=organization,
        kind=kind,
        filename=filename[:255],
        uploaded_by=by,
        status=ImportBatch.Status.QUEUED,
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
