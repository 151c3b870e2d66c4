"""Large uploads: recorded at once, then validated and applied by the worker with live progress.

A file estimated to hold more than IMPORT_BACKGROUND_ROWS rows would keep a web request busy
for a minute or more; instead its batch is saved `queued` together with its task (one
transaction), and the page polls the batch's stage and counts. The rules are import_file's:
every row is checked first, and an accepted file is applied in one transaction.
"""

import logging
import zipfile

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from enlace.imports.columns import COLUMNS
from enlace.imports.models import RUNNING, ImportBatch
from enlace.imports.progress import ProgressRecorder
from enlace.imports.readers import DIMENSION, ZIP_ERRORS, FileError, detect_format, file_size, read_rows
from enlace.imports.services import apply_or_fail, import_file, store_file, validate_batch

log = logging.getLogger(__name__)

# An .xls declares no row count that is cheap to read: roughly this many bytes per row.
XLS_BYTES_PER_ROW = 100
SCAN_CHUNK = 1 << 20


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
    from enlace.imports.tasks import process_import  # the task module imports this one

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


def process_queued_batch(*, batch_id: int) -> ImportBatch | None:
    """Validate and apply a queued batch in the worker, recording its progress as it goes.

    Safe to run again after a worker died in the middle (the task is taken back): the apply
    transaction died with it, so the batch starts over; a finished batch is left as it is.
    """
    started = ImportBatch.objects.filter(pk=batch_id, status__in=RUNNING).update(
        status=ImportBatch.Status.VALIDATING
    )
    batch = ImportBatch.objects.select_related("organization", "uploaded_by").filter(pk=batch_id).first()
    if not started or batch is None:
        return batch
    by = batch.uploaded_by
    language = (by.language if by else "") or batch.organization.language
    with translation.override(language):
        try:
            with batch.file.open("rb") as file:
                progress = ProgressRecorder(batch.pk, expected_rows=estimate_rows(file))
                _validate_and_apply(batch, file, by, progress)
        except Exception:
            log.exception("import batch %s stopped", batch.pk)
            message = _(
                "The file could not be processed because of an unexpected error. Nothing was written. "
                "Upload it again."
            )
            _fail(batch, "unexpected", message)
            raise
    return batch


def _validate_and_apply(batch, file, by, progress) -> None:
    try:
        validator = validate_batch(batch=batch, file=file, progress=progress)
    except FileError as error:
        _fail(batch, error.code, str(error.message))
        return
    try:
        if not validator.ok:
            batch.status = ImportBatch.Status.REJECTED
            batch.save()
            return
        # Committed before the long transaction, so that the pages show the stage.
        batch.status = ImportBatch.Status.APPLYING
        batch.save()
        with transaction.atomic():
            # Only one run applies, even if a silent worker's task was taken back while it still ran.
            locked = ImportBatch.objects.select_for_update().filter(
                pk=batch.pk, status=ImportBatch.Status.APPLYING
            )
            if list(locked.values_list("pk", flat=True)):
                apply_or_fail(batch=batch, validator=validator, by=by, progress=progress)
    finally:
        validator.close()


def _fail(batch, code, message) -> None:
    batch.status = ImportBatch.Status.FAILED
    batch.created = batch.updated = batch.invitations = 0
    batch.errors = [{"row": 0, "column": "", "key": "", "value": "", "code": code, "message": message}]
    batch.save()


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
        error = {"row": 0, "column": "", "key": "", "value": "", "code": "interrupted", "message": message}
        # Conditional: a batch that finished meanwhile keeps its outcome.
        failed += ImportBatch.objects.filter(pk=batch_id, status__in=RUNNING).update(
            status=ImportBatch.Status.FAILED, errors=[error]
        )
    return failed


# --- how many rows, cheaply --------------------------------------------------------------------


def estimate_rows(file, *, at_most: int | None = None) -> int:
    """About how many data rows `file` holds, without parsing it: the row count a sheet declares
    up front, else its rows or the CSV's lines counted as the bytes stream by, stopping past
    `at_most`. Never raises: an odd file counts as small, and the importer's checks report it."""
    try:
        file.seek(0)
        kind = detect_format(file.read(8192))
        file.seek(0)
        if kind == "zip":
            return _workbook_rows(file, at_most)
        if kind == "xls":
            return file_size(file) // XLS_BYTES_PER_ROW
        return max(_count(file, b"\n", at_most) - 1, 0)
    except (FileError, *ZIP_ERRORS):
        return 0
    finally:
        file.seek(0)


def _workbook_rows(file, at_most) -> int:
    archive = zipfile.ZipFile(file)
    names = archive.namelist()
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if sheets:
        with archive.open(sheets[0]) as part:
            match = DIMENSION.search(part.read(4096))
        if match and match.group(3):
            return max(int(match.group(3)) - 1, 0)
        with archive.open(sheets[0]) as part:
            return max(_count(part, b"<row ", at_most) - 1, 0)
    if "content.xml" in names:
        with archive.open("content.xml") as part:
            return max(_count(part, b"<table:table-row", at_most) - 1, 0)
    return 0


def _count(stream, needle: bytes, at_most) -> int:
    """Occurrences of `needle` in the stream, read in chunks; stops once past `at_most`."""
    count, tail = 0, b""
    while chunk := stream.read(SCAN_CHUNK):
        window = tail + chunk
        count += window.count(needle)
        tail = window[-(len(needle) - 1) :] if len(needle) > 1 else b""
        if at_most is not None and count > at_most:
            break
    return count
