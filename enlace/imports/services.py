"""Bulk imports: validate a whole file, then apply it in one transaction or not at all.

Every entry point goes through `validate_and_apply`, which calls `validate_batch` and, when no
row has an error, `apply_batch`: the web pages, the API and `enlace import` by `import_file`,
and the worker by `process_queued_batch` for a large upload recorded first
(enlace.imports.background).

Each takes an optional `progress(stage, done, total)` callable, called every PROGRESS_EVERY
rows or so with stage "read", "validated", "applied" or "queued" (invitations); `total` is None
while the number of rows is not known yet.
"""

import contextlib
import logging
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.files import File
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enlace.accounts.models import User
from enlace.imports.checking import checked_rows
from enlace.imports.columns import COLUMNS
from enlace.imports.models import RUNNING, ImportBatch, batch_error
from enlace.imports.progress import ProgressRecorder
from enlace.imports.readers import FileError, estimate_rows, read_rows
from enlace.imports.validators import VALIDATORS, chunked
from enlace.invitations.models import Invitation
from enlace.invitations.services import enqueue_first_emails, issue_invitations
from enlace.invitations.supplier_codes import pending_codes, send_codes
from enlace.lib.bulk import FreshStatistics, copies_in_background, insert_many, insert_rows, update_many
from enlace.partners.models import Company, Partner
from enlace.partners.services import PartnerGroups

log = logging.getLogger(__name__)
WRITE_CHUNK = 1000
PROGRESS_EVERY = 1000
ENQUEUE_EVERY = 50_000  # invitations of a customer-users import whose tasks are enqueued at once


def _no_progress(stage, done, total) -> None:
    pass


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    invitations: int = 0
    left_pending: int = 0


def validate_batch(*, batch: ImportBatch, file, progress=None):
    """Read and check every row of `file`; sets batch.rows and batch.errors (unsaved).

    Returns the validator holding the clean rows; its `close()` frees them. Raises FileError
    when the file itself cannot be read; nothing is written either way.
    """
    progress = progress or _no_progress
    reader = read_rows(file, batch.filename, columns=COLUMNS[batch.kind])
    validator = VALIDATORS[batch.kind](organization=batch.organization, present=reader.present.values())
    try:
        # closing: a file refused halfway ends the row-checking processes at once.
        with contextlib.closing(checked_rows(validator, reader)) as rows:
            for number, clean, errors in rows:
                validator.add(number, clean, errors)
                if validator.count % PROGRESS_EVERY == 0:
                    progress("read", validator.count, None)
        progress("read", validator.count, validator.count)
        validator.finish()
    except BaseException:
        validator.close()
        raise
    finally:
        reader.close()
    batch.rows = validator.count
    batch.errors = validator.errors
    progress("validated", batch.rows, batch.rows)
    return validator


@transaction.atomic
def apply_batch(*, batch: ImportBatch, validator, by=None, progress=None) -> ImportBatch:
    """Write an error-free batch: partners upserted, users and invitations created, their
    emails enqueued, all in this one transaction, a chunk of rows at a time."""
    assert validator.ok, "a batch with errors is never applied"
    apply = {"customers": _apply_partners, "suppliers": _apply_partners, "customer_users": _apply_users}
    outcome = apply[batch.kind](batch=batch, validator=validator, by=by, progress=progress or _no_progress)
    batch.created, batch.updated, batch.invitations = outcome.created, outcome.updated, outcome.invitations
    batch.left_pending = outcome.left_pending
    batch.status = ImportBatch.Status.APPLIED
    if batch.pk:
        batch.save()
    return batch


def import_file(
    *, organization, kind, file, filename, by=None, dry_run=False, resend_pending=False, progress=None
) -> ImportBatch:
    """Validate `file` and, unless there is an error or it is a dry run, apply it: the upload of
    the pages, the API and `enlace import` (validate_and_apply).

    The batch is recorded (with the uploaded file) unless it is a dry run. Raises FileError
    for a file that cannot be read, before any batch is recorded.
    """
    batch = ImportBatch(
        organization=organization,
        kind=kind,
        filename=filename[:255],
        uploaded_by=by,
        resend_pending=resend_pending,
    )
    return validate_and_apply(
        batch=batch, file=file, filename=filename, by=by, dry_run=dry_run, progress=progress
    )


def process_queued_batch(*, batch_id: int) -> ImportBatch | None:
    """Validate and apply a batch queued by background.queue_import, in the worker, recording
    its progress as it goes (validate_and_apply).

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
                validate_and_apply(batch=batch, file=file, by=by, progress=progress)
        except FileError as error:
            # The batch was recorded before its file was read: the reason is shown on it.
            fail(batch, error.code, error.message)
        except Exception:
            log.exception("import batch %s stopped", batch.pk)
            message = _(
                "The file could not be processed because of an unexpected error. Nothing was written. "
                "Upload it again."
            )
            fail(batch, "unexpected", message)
            raise
    return batch


def validate_and_apply(*, batch: ImportBatch, file, filename="", by=None, dry_run=False, progress=None):
    """The one flow of every import: every row is checked first; a batch with any error is
    recorded `rejected` and changes nothing; else it is applied in one transaction, or recorded
    `failed` when the database refuses it. A new batch is recorded here with its file (unless
    it is a dry run); a queued one already is. Raises FileError for a file that cannot be read,
    before anything is written.
    """
    validator = validate_batch(batch=batch, file=file, progress=progress)
    try:
        if not validator.ok:
            batch.status = ImportBatch.Status.REJECTED
        if dry_run:
            if validator.ok:
                batch.left_pending = count_left_pending(batch=batch, validator=validator)
            return batch
        if batch.pk is None:
            store_file(batch, file, filename)
        if not validator.ok:
            batch.save()
            return batch
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
        return batch
    finally:
        validator.close()


def store_file(batch: ImportBatch, file, filename: str) -> None:
    """Keep the uploaded file with the batch (unsaved), to hand it back annotated or process it later."""
    file.seek(0)
    batch.file.save(filename.rsplit("/", 1)[-1][-100:] or "upload", File(file), save=False)


def apply_or_fail(*, batch: ImportBatch, validator, by=None, progress=None) -> ImportBatch:
    """Apply a validated, saved batch; when the database refuses it, record the batch as failed."""
    try:
        apply_batch(batch=batch, validator=validator, by=by, progress=progress)
    except (IntegrityError, DatabaseError):
        # Someone took a code or an email between validation and apply: nothing was written.
        log.exception("import batch %s failed to apply", batch.pk)
        fail(batch, "conflict", _("The data changed while the file was being applied. Upload it again."))
    return batch


def fail(batch: ImportBatch, code: str, message) -> None:
    """Record the batch as failed, with nothing written, for one reason given to the uploader."""
    batch.status = ImportBatch.Status.FAILED
    batch.created = batch.updated = batch.invitations = 0
    batch.errors = [batch_error(code=code, message=message)]
    batch.save()


# --- partners ---------------------------------------------------------------------------------


def _companies_for(organization, chunk) -> dict:
    """tax ID -> company id for the chunk's rows, creating the companies the network lacks."""
    wanted = {clean["tax_id"]: clean["name"] for _n, clean, _ref, _l in chunk}

    def existing(tax_ids):
        return dict(
            Company.objects.filter(country=organization.country, tax_id__in_array=tax_ids).values_list(
                "tax_id", "pk"
            )
        )

    found = {}
    for tax_ids in chunked(wanted):
        found.update(existing(tax_ids))
    missing = [
        Company(country=organization.country, tax_id=t, name=n) for t, n in wanted.items() if t not in found
    ]
    # ignore_conflicts: another organization may register the same company at this moment.
    insert_many(missing, ignore_conflicts=True)
    for tax_ids in chunked([c.tax_id for c in missing]):
        found.update(existing(tax_ids))
    return found


def _apply_partners(*, batch, validator, by, progress) -> Outcome:
    organization, kind = batch.organization, validator.partner_kind
    outcome = Outcome()
    fields = [f for f in Partner.TEXT_FIELDS if f in validator.present]
    groups = PartnerGroups(organization) if "groups" in validator.present else None
    statistics = FreshStatistics(Company, Partner, Invitation)
    for chunk in validator.spool.chunks(WRITE_CHUNK):
        companies = _companies_for(organization, chunk)
        new, existing, partner_ids = {}, {}, {}  # row number -> new Partner; id -> row; row -> id
        for number, clean, ref, _looked_up in chunk:
            if ref:
                existing[ref] = clean
                partner_ids[number] = ref
            else:
                new[number] = Partner(
                    organization=organization,
                    kind=kind,
                    company_id=companies[clean["tax_id"]],
                    **{f: clean[f] or "" for f in Partner.TEXT_FIELDS if f in clean},
                )
        insert_many(new.values())
        partner_ids.update((number, partner.pk) for number, partner in new.items())
        partners = list(Partner.objects.filter(pk__in=list(existing)))
        if len(partners) != len(existing):
            # Deleted since validation: the batch fails as any other change made meanwhile.
            raise IntegrityError("a partner to update no longer exists")
        for partner in partners:
            clean = existing[partner.pk]
            for f in fields:
                setattr(partner, f, clean.get(f) or "")
            partner.company_id = companies[clean["tax_id"]]
        update_many(partners, [*fields, "company", "updated_at"])
        outcome.created += len(new)
        outcome.updated += len(partners)
        if groups is not None:
            groups.assign(
                {partner_ids[number]: clean["groups"] for number, clean, _ref, _l in chunk},
                replace=list(existing),
            )
        progress("applied", outcome.created + outcome.updated, validator.count)
        statistics.rows_written(outcome.created + outcome.updated)
        if batch.kind == ImportBatch.Kind.SUPPLIERS:
            notify = [
                (partner_ids[number], clean["email"]) for number, clean, _r, _l in chunk if clean["notify"]
            ]
            sent = send_codes(
                organization=organization, pairs=notify, by=by, resend_pending=batch.resend_pending
            )
            outcome.invitations += len(sent)
            outcome.left_pending += len(sent.kept)
            _link_invitations(batch, [*sent.issued, *(i.pk for i in sent.resent), *(i.pk for i in sent.kept)])
            progress("queued", outcome.invitations, None)
    return outcome


def count_left_pending(*, batch: ImportBatch, validator) -> int:
    """For a dry run: how many Notify=1 rows of existing suppliers hold a pending code that the
    import would keep (none when fresh codes are asked for)."""
    if batch.kind != ImportBatch.Kind.SUPPLIERS or batch.resend_pending:
        return 0
    pairs = [
        (ref, clean["email"])
        for chunk in validator.spool.chunks(WRITE_CHUNK)
        for _number, clean, ref, _l in chunk
        if ref and clean["notify"]
    ]
    pending = set()
    for start in range(0, len(pairs), WRITE_CHUNK):
        pending.update(
            pending_codes(organization=batch.organization, pairs=pairs[start : start + WRITE_CHUNK])
        )
    return sum(1 for pair in pairs if pair in pending)


# --- customer users ---------------------------------------------------------------------------


def _apply_users(*, batch, validator, by, progress) -> Outcome:
    organization = batch.organization
    outcome = Outcome()
    statistics = FreshStatistics(User, Invitation)
    # PostgreSQL writes each chunk while the next one is prepared; the delivery tasks, being a
    # query of their own that would wait for the writing, are enqueued every ENQUEUE_EVERY.
    with copies_in_background(rows=validator.count):
        unqueued = []
        for chunk in validator.spool.chunks(WRITE_CHUNK):
            written = _write_users(organization, chunk, by)
            _link_invitations(batch, written)
            unqueued += written
            outcome.created += len(chunk)
            outcome.invitations += len(chunk)
            if len(unqueued) >= ENQUEUE_EVERY:
                enqueue_first_emails(unqueued)
                unqueued = []
            progress("applied", outcome.created, validator.count)
            progress("queued", outcome.invitations, validator.count)
            statistics.rows_written(outcome.created)
        enqueue_first_emails(unqueued)
    return outcome


def _link_invitations(batch, invitation_ids) -> None:
    """Remember what the batch sent, for its funnel (nothing to remember in a dry run)."""
    if batch.pk:
        insert_rows(
            ImportBatch.sent_invitations.through,
            [{"importbatch_id": batch.pk, "invitation_id": pk} for pk in invitation_ids],
        )


def _write_users(organization, chunk, by) -> list[int]:
    """The chunk's people as users with their invitations; the invitations' ids."""
    now = timezone.now()
    # Rows, not model instances: building three instances per person costs more than
    # writing them.
    users = [
        {
            "username": clean["email"],
            "email": clean["email"],
            "first_name": clean["first_name"],
            "last_name": clean["last_name"],
            "phone": clean["phone"],
            "profile": User.Profile.CUSTOMER,
            "status": User.Status.PENDING_ACTIVATION,
            "organization_id": organization.pk,
            "partner_id": partner_id,
            "language": organization.language,
            # Unusable: the person chooses a password when registering. Hashing one per
            # row would cost more than the whole rest of the import.
            "password": unusable_password(),
            "date_joined": now,
        }
        for _number, clean, partner_id, _l in chunk
    ]
    user_ids = insert_rows(User, users)
    people = [
        {
            "email": user["email"],
            "partner_id": user["partner_id"],
            "user_id": user_id,
            "first_name": user["first_name"],
            "last_name": user["last_name"],
            "phone": user["phone"],
        }
        for user, user_id in zip(users, user_ids, strict=True)
    ]
    return issue_invitations(
        organization=organization,
        kind=Invitation.Kind.REGISTRATION,
        people=people,
        by=by,
        now=now,
        enqueue=False,
    )


def unusable_password() -> str:
    """What make_password(None) stores, drawn from os.urandom in one call: make_password's
    40 secrets.choice calls a row would be a good part of a customer-users import."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
