"""Bulk imports: validate a whole file, then apply it in one transaction or not at all.

The web pages, the API and `enlace import` all go through `import_file`, which calls
`validate_batch` and, when no row has an error, `apply_batch`. A large upload is recorded first
and processed by the worker (enlace.imports.background).

Each takes an optional `progress(stage, done, total)` callable, called every PROGRESS_EVERY
rows or so with stage "read", "validated", "applied" or "queued" (invitations); `total` is None
while the number of rows is not known yet.
"""

import logging
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.files import File
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from enlace.accounts.models import User
from enlace.audit.models import AuditEvent
from enlace.imports.columns import COLUMNS
from enlace.imports.models import ImportBatch
from enlace.imports.readers import read_rows
from enlace.imports.validators import VALIDATORS, chunked
from enlace.invitations.models import Invitation
from enlace.invitations.services import build_invitation, queue_delivery, resend_invitation
from enlace.partners.models import Company, Partner, PartnerGroup

log = logging.getLogger(__name__)
WRITE_CHUNK = 1000
PROGRESS_EVERY = 1000
PARTNER_TEXT_FIELDS = ("code", "name", "description", "address", "city", "province", "phone", "fax", "email")


def _no_progress(stage, done, total) -> None:
    pass


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    invitations: int = 0
    partners: dict = field(default_factory=dict)  # row number -> partner id


def validate_batch(*, batch: ImportBatch, file, progress=None):
    """Read and check every row of `file`; sets batch.rows and batch.errors (unsaved).

    Returns the validator holding the clean rows. Raises FileError when the file itself
    cannot be read; nothing is written either way.
    """
    progress = progress or _no_progress
    reader = read_rows(file, batch.filename, columns=COLUMNS[batch.kind])
    validator = VALIDATORS[batch.kind](organization=batch.organization, present=reader.present.values())
    read = 0
    for read, (number, row) in enumerate(reader, start=1):  # noqa: B007 (used after the loop)
        validator.feed(number, row)
        if read % PROGRESS_EVERY == 0:
            progress("read", read, None)
    progress("read", read, read)
    validator.finish()
    batch.rows = len(validator.rows)
    batch.errors = validator.errors
    progress("validated", batch.rows, batch.rows)
    return validator


@transaction.atomic
def apply_batch(*, batch: ImportBatch, validator, by=None, progress=None) -> ImportBatch:
    """Write an error-free batch: partners upserted, users and invitations created, their
    emails enqueued, all in this one transaction."""
    assert validator.ok, "a batch with errors is never applied"
    progress = progress or _no_progress
    apply = {"customers": _apply_partners, "suppliers": _apply_partners, "customer_users": _apply_users}
    outcome = apply[batch.kind](batch=batch, validator=validator, by=by, progress=progress)
    if batch.kind == ImportBatch.Kind.SUPPLIERS:
        outcome.invitations = _invite_suppliers(
            batch=batch, validator=validator, outcome=outcome, by=by, progress=progress
        )
    batch.created, batch.updated, batch.invitations = outcome.created, outcome.updated, outcome.invitations
    batch.status = ImportBatch.Status.APPLIED
    if batch.pk:
        batch.save()
    return batch


def import_file(*, organization, kind, file, filename, by=None, dry_run=False, progress=None) -> ImportBatch:
    """Validate `file` and, unless there is an error or it is a dry run, apply it.

    The batch is recorded (with the uploaded file) unless it is a dry run. Raises FileError
    for a file that cannot be read, before any batch is recorded.
    """
    batch = ImportBatch(organization=organization, kind=kind, filename=filename[:255], uploaded_by=by)
    validator = validate_batch(batch=batch, file=file, progress=progress)
    if not validator.ok:
        batch.status = ImportBatch.Status.REJECTED
    if dry_run:
        return batch
    store_file(batch, file, filename)
    batch.save()
    if validator.ok:
        apply_or_fail(batch=batch, validator=validator, by=by, progress=progress)
    else:
        batch.save()
    return batch


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
        batch.status = ImportBatch.Status.FAILED
        batch.errors = [
            {
                "row": 0,
                "column": "",
                "key": "",
                "value": "",
                "code": "conflict",
                "message": _("The data changed while the file was being applied. Upload it again."),
            }
        ]
        batch.save()
    return batch


# --- partners ---------------------------------------------------------------------------------


def _companies_for(organization, rows) -> dict:
    """tax ID -> company id for every row, creating the companies the network lacks."""
    wanted = {clean["tax_id"]: clean["name"] for _n, clean in rows}
    found = {}
    for chunk in chunked(wanted):
        found.update(
            Company.objects.filter(country=organization.country, tax_id__in=chunk).values_list("tax_id", "pk")
        )
    missing = [
        Company(country=organization.country, tax_id=t, name=n) for t, n in wanted.items() if t not in found
    ]
    # ignore_conflicts: another organization may register the same company at this moment.
    Company.objects.bulk_create(missing, batch_size=WRITE_CHUNK, ignore_conflicts=True)
    for chunk in chunked([c.tax_id for c in missing]):
        found.update(
            Company.objects.filter(country=organization.country, tax_id__in=chunk).values_list("tax_id", "pk")
        )
    return found


def _apply_partners(*, batch, validator, by, progress=_no_progress) -> Outcome:
    organization, kind = batch.organization, validator.partner_kind
    outcome = Outcome()
    companies = _companies_for(organization, validator.rows)
    now = timezone.now()
    fields = [f for f in PARTNER_TEXT_FIELDS if f in validator.present]
    new, new_numbers, existing = [], [], {}
    for number, clean in validator.rows:
        if clean["partner_id"]:
            existing[clean["partner_id"]] = (number, clean)
        else:
            new.append(
                Partner(
                    organization=organization,
                    kind=kind,
                    company_id=companies[clean["tax_id"]],
                    created_at=now,
                    updated_at=now,
                    **{f: clean.get(f, "") for f in PARTNER_TEXT_FIELDS if f in clean},
                )
            )
            new_numbers.append(number)
    for start in range(0, len(new), WRITE_CHUNK):
        Partner.objects.bulk_create(new[start : start + WRITE_CHUNK])
        progress("applied", start + len(new[start : start + WRITE_CHUNK]), len(validator.rows))
    outcome.partners.update(zip(new_numbers, (p.pk for p in new), strict=True))
    outcome.created = len(new)

    for chunk in chunked(list(existing), WRITE_CHUNK):
        partners = list(Partner.objects.filter(pk__in=chunk))
        for partner in partners:
            number, clean = existing[partner.pk]
            for f in fields:
                setattr(partner, f, clean.get(f, ""))
            partner.company_id = companies[clean["tax_id"]]
            partner.updated_at = now
            outcome.partners[number] = partner.pk
        Partner.objects.bulk_update(partners, [*fields, "company", "updated_at"])
        progress("applied", len(outcome.partners), len(validator.rows))
    outcome.updated = len(existing)

    if "groups" in validator.present:
        _set_groups(organization, validator.rows, outcome.partners, replace=list(existing))
    return outcome


def _set_groups(organization, rows, partner_ids, *, replace) -> None:
    """Each partner's groups become the row's groups; missing groups are created."""
    groups = {
        name.lower(): pk
        for name, pk in PartnerGroup.objects.filter(organization=organization).values_list(
            Lower("name"), "pk"
        )
    }
    wanted = {}
    for _n, clean in rows:
        for name in clean["groups"]:
            wanted.setdefault(name.lower(), name)
    missing = [
        PartnerGroup(organization=organization, name=name)
        for key, name in wanted.items()
        if key not in groups
    ]
    PartnerGroup.objects.bulk_create(missing, batch_size=WRITE_CHUNK)
    groups.update({g.name.lower(): g.pk for g in missing})
    through = Partner.groups.through
    for chunk in chunked(replace, WRITE_CHUNK):
        through.objects.filter(partner_id__in=chunk).delete()
    links = [
        through(partner_id=partner_ids[number], partnergroup_id=groups[name.lower()])
        for number, clean in rows
        for name in clean["groups"]
    ]
    through.objects.bulk_create(links, batch_size=WRITE_CHUNK)


def _invite_suppliers(*, batch, validator, outcome, by, progress=_no_progress) -> int:
    """An activation-code invitation for each row with Notify=1; a pending one is resent."""
    organization = batch.organization
    notify = [(outcome.partners[number], clean) for number, clean in validator.rows if clean["notify"]]
    pending = {}
    for chunk in chunked([pk for pk, _clean in notify]):
        for invitation in Invitation.objects.pending().filter(
            organization=organization, kind=Invitation.Kind.SUPPLIER_CODE, partner_id__in=chunk
        ):
            pending[(invitation.partner_id, invitation.email.lower())] = invitation
    now = timezone.now()
    fresh = []
    for partner_id, clean in notify:
        invitation = pending.get((partner_id, clean["email"]))
        if invitation is not None:
            resend_invitation(invitation=invitation, by=by, now=now)
        else:
            fresh.append(
                build_invitation(
                    organization=organization,
                    kind=Invitation.Kind.SUPPLIER_CODE,
                    email=clean["email"],
                    by=by,
                    partner=Partner(pk=partner_id),
                    now=now,
                )
            )
    _create_invitations(organization, fresh, by, progress)
    return len(notify)


# --- customer users ---------------------------------------------------------------------------


def _apply_users(*, batch, validator, by, progress=_no_progress) -> Outcome:
    organization = batch.organization
    now = timezone.now()
    language = organization.language
    users, invitations = [], []
    for _number, clean in validator.rows:
        users.append(
            User(
                username=clean["email"],
                email=clean["email"],
                first_name=clean["first_name"],
                last_name=clean["last_name"],
                phone=clean["phone"],
                profile=User.Profile.CUSTOMER,
                status=User.Status.PENDING_ACTIVATION,
                organization=organization,
                partner_id=clean["partner_id"],
                language=language,
                # Unusable: the person chooses a password when registering. Hashing one per
                # row would cost more than the whole rest of the import.
                password=make_password(None),
                date_joined=now,
            )
        )
    for start in range(0, len(users), WRITE_CHUNK):
        User.objects.bulk_create(users[start : start + WRITE_CHUNK])
        progress("applied", start + len(users[start : start + WRITE_CHUNK]), len(users))
    for user in users:
        invitations.append(
            build_invitation(
                organization=organization,
                kind=Invitation.Kind.REGISTRATION,
                email=user.email,
                by=by,
                partner=Partner(pk=user.partner_id),
                user=user,
                first_name=user.first_name,
                last_name=user.last_name,
                phone=user.phone,
                language=language,
                now=now,
            )
        )
    _create_invitations(organization, invitations, by, progress)
    return Outcome(created=len(users), invitations=len(invitations))


def _create_invitations(organization, invitations, by, progress=_no_progress) -> None:
    """Save the invitations, one audit event each, and enqueue their emails, chunk by chunk."""
    actor = by if by is not None and by.is_authenticated else None
    for start in range(0, len(invitations), WRITE_CHUNK):
        chunk = invitations[start : start + WRITE_CHUNK]
        Invitation.objects.bulk_create(chunk)
        AuditEvent.objects.bulk_create(
            AuditEvent(
                organization=organization,
                action=AuditEvent.Action.CREATED,
                actor=actor,
                user_id=inv.user_id,
                invitation=inv,
                detail=inv.email,
            )
            for inv in chunk
        )
        queue_delivery(chunk)
        progress("queued", start + len(chunk), len(invitations))
