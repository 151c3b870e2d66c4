"""Imports: upload a file as the Imports page does, and read a batch's outcome and errors (or,
while the worker processes a large file, its progress)."""

from datetime import datetime
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status, UploadedFile

from enlace.api.schemas import Error, Id
from enlace.imports.background import import_or_queue
from enlace.imports.models import ImportBatch
from enlace.imports.progress import batch_progress
from enlace.imports.services import import_file
from enlace.imports.wording import worded_batch_errors

router = Router(tags=["Imports"])
ERRORS = {400: Error, 401: Error, 404: Error, 409: Error, 422: Error, 429: Error}


class ProgressOut(Schema):
    stage: str
    done: int
    total: int
    read: int
    validated: int
    applied: int
    queued: int


class ImportOut(Schema):
    id: int | None
    kind: str
    status: str
    filename: str
    rows: int
    created: int
    updated: int
    invitations: int
    left_pending: int
    errors: list[dict]
    created_at: datetime | None
    progress: ProgressOut | None = None

    @staticmethod
    def resolve_errors(batch):
        return worded_batch_errors(batch)

    @staticmethod
    def resolve_progress(batch):
        return batch_progress(batch) if batch.pk and batch.running else None


@router.post("", response={201: ImportOut, 202: ImportOut, **ERRORS}, operation_id="upload_import")
def upload_import(
    request,
    kind: Form[Literal["customers", "customer_users", "suppliers"]],
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    resend_pending: Form[bool] = False,
):
    """Validate the file and, when no row has an error, apply it in one transaction (nothing is
    written or sent otherwise). With `dry_run`, only validate. The same rules as the page and
    `enlace import`. A file of more than IMPORT_BACKGROUND_ROWS rows is processed by the worker:
    the answer is 202 with the batch `queued`; follow it with `GET /imports/{batch_id}`.

    A suppliers file's Notify=1 rows whose person already holds a pending code keep it (counted
    in `left_pending`); `resend_pending` sends them fresh codes instead (the old ones stop
    working)."""
    name = file.name or "upload"
    if dry_run:
        batch = import_file(
            organization=request.organization,
            kind=kind,
            file=file,
            filename=name,
            dry_run=True,
            resend_pending=resend_pending,
        )
        return Status(201, batch)
    batch = import_or_queue(
        organization=request.organization, kind=kind, file=file, filename=name, resend_pending=resend_pending
    )
    return Status(202 if batch.running else 201, batch)


@router.get("/{batch_id}", response={200: ImportOut, **ERRORS}, operation_id="get_import")
def get_import(request, batch_id: Id):
    return get_object_or_404(ImportBatch, organization=request.organization, pk=batch_id)
