"""Imports: upload a file as the Imports page does, and read a batch's outcome and errors."""

from datetime import datetime
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status, UploadedFile

from enlace.api.schemas import Error, Id
from enlace.imports.models import ImportBatch
from enlace.imports.services import import_file

router = Router(tags=["Imports"])
ERRORS = {400: Error, 401: Error, 404: Error, 409: Error, 422: Error, 429: Error}


class ImportOut(Schema):
    id: int | None
    kind: str
    status: str
    filename: str
    rows: int
    created: int
    updated: int
    invitations: int
    errors: list[dict]
    created_at: datetime | None


@router.post("", response={201: ImportOut, **ERRORS}, operation_id="upload_import")
def upload_import(
    request,
    kind: Form[Literal["customers", "customer_users", "suppliers"]],
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
):
    """Validate the file and, when no row has an error, apply it in one transaction (nothing is
    written or sent otherwise). With `dry_run`, only validate. The same rules as the page and
    `enlace import`."""
    batch = import_file(
        organization=request.organization,
        kind=kind,
        file=file,
        filename=file.name or "upload",
        by=None,
        dry_run=dry_run,
    )
    return Status(201, batch)


@router.get("/{batch_id}", response={200: ImportOut, **ERRORS}, operation_id="get_import")
def get_import(request, batch_id: Id):
    return get_object_or_404(ImportBatch, organization=request.organization, pk=batch_id)
