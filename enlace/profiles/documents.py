"""A company's documents (certificates, insurance ...): adding, replacing and removing one is a
save of its profile, a new version like any other; the company's people are reminded before one
expires.

A file is checked (profiles.uploads) before anything is written, and stored under a random name
in the "documents" storage within the save: a refused file, or a save that fails, leaves
neither a file nor a version behind.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from enlace.accounts import links
from enlace.accounts.models import User
from enlace.lib.errors import DomainError
from enlace.mail.rendering import Email
from enlace.partners.models import Company
from enlace.profiles.fields import DOCUMENTS, DocumentKind
from enlace.profiles.models import Document, ProfileVersion, documents_storage
from enlace.profiles.services import current_data, people_of, save_profile
from enlace.profiles.stored_files import stored_upload
from enlace.profiles.uploads import check_upload

# Days before its expiry that a document's people are reminded, each once.
REMINDER_DAYS = (30, 7)
REMINDER_CHUNK = 200
# A profile's documents at most (as its lists of contacts and accounts have a limit).
MAX_DOCUMENTS = 30


def check_details(kind: str, issued_on, expires_on) -> None:
    if kind not in DocumentKind.values:
        raise DomainError("document_kind", _("Choose what kind of document this is."))
    if issued_on and expires_on and expires_on < issued_on:
        raise DomainError("document_dates", _("The expiry date comes before the issue date."))


def current_documents(company) -> list[dict]:
    """The documents of the profile as it stands, as its newest version holds them."""
    return current_data(company).get(DOCUMENTS, [])


def current_document(company, public_id) -> dict | None:
    return next((item for item in current_documents(company) if item["id"] == str(public_id)), None)


def add_document(*, company: Company, by: User, kind: str, upload, issued_on=None, expires_on=None):
    """Add a document to the company's profile: the next version. DomainError if refused."""
    check_details(kind, issued_on, expires_on)
    checked = check_upload(upload)
    with stored_upload(upload) as stored, transaction.atomic():
        company = _locked(company)
        items = current_documents(company)
        if len(items) >= MAX_DOCUMENTS:
            raise DomainError(
                "document_limit",
                _("A profile holds at most %(count)s documents: remove one you no longer need first.")
                % {"count": MAX_DOCUMENTS},
            )
        document = _record(company, by, kind, stored, checked, issued_on, expires_on)
        return save_profile(company=company, by=by, documents=[*items, _item(document)])


def replace_document(*, company: Company, by: User, public_id, upload, issued_on=None, expires_on=None):
    """Put a new file (a renewed certificate ...) in the place of one of the profile's
    documents, of the same kind: the next version. DomainError if refused."""
    old = current_document(company, public_id)
    if old is None:
        raise DomainError("document_not_found", _("This document is no longer in the profile."))
    check_details(old["kind"], issued_on, expires_on)
    checked = check_upload(upload)
    with stored_upload(upload) as stored, transaction.atomic():
        company = _locked(company)
        items = current_documents(company)
        index = _position(items, public_id)
        document = _record(company, by, items[index]["kind"], stored, checked, issued_on, expires_on)
        items = [*items[:index], _item(document), *items[index + 1 :]]
        _withdraw(company, public_id)
        return save_profile(company=company, by=by, documents=items)


@transaction.atomic
def remove_document(*, company: Company, by: User, public_id) -> ProfileVersion:
    """Take a document out of the profile: the next version. Its file stays, for the versions
    that held it."""
    company = _locked(company)
    items = current_documents(company)
    index = _position(items, public_id)
    _withdraw(company, public_id)
    return save_profile(company=company, by=by, documents=[*items[:index], *items[index + 1 :]])


def _locked(company) -> Company:
    # Versions are written one after another: writers take turns on the company's row (as
    # save_profile does), before they read the documents they change.
    return Company.objects.select_for_update().get(pk=company.pk)


def _position(items, public_id) -> int:
    for index, item in enumerate(items):
        if item["id"] == str(public_id):
            return index
    raise DomainError("document_not_found", _("This document is no longer in the profile."))


def _record(company, by, kind, stored, checked, issued_on, expires_on) -> Document:
    return Document.objects.create(
        company=company,
        kind=kind,
        file=stored,
        name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        issued_on=issued_on,
        expires_on=expires_on,
        uploaded_by=by,
    )


def _withdraw(company, public_id) -> None:
    Document.objects.filter(company=company, public_id=public_id).update(withdrawn_at=timezone.now())


def _item(document: Document) -> dict:
    """The document as the profile's versions hold it."""
    return {
        "id": str(document.public_id),
        "kind": document.kind,
        "name": document.name,
        "issued_on": document.issued_on.isoformat() if document.issued_on else "",
        "expires_on": document.expires_on.isoformat() if document.expires_on else "",
    }


def shown_documents(data: dict, *, today: date | None = None) -> list[dict]:
    """The profile's documents as pages show them: the kind's name, dates as dates, and
    whether each has expired."""
    today = today or timezone.localdate()
    shown = []
    for item in data.get(DOCUMENTS, []):
        issued_on = date.fromisoformat(item["issued_on"]) if item["issued_on"] else None
        expires_on = date.fromisoformat(item["expires_on"]) if item["expires_on"] else None
        shown.append(
            {
                **item,
                "kind_label": DocumentKind(item["kind"]).label,
                "issued": issued_on,
                "expires": expires_on,
                "expired": expires_on is not None and expires_on < today,
            }
        )
    return shown


def readable_file(document: Document):
    """The stored file, opened for reading."""
    return documents_storage().open(document.file.name, "rb")


# Reminders before expiry.


def due_for_reminder(days: int, today: date):
    """The profiles' current documents that expire within `days` and have had no reminder of
    `days` or fewer yet."""
    return Document.objects.filter(
        Q(reminded_days__isnull=True) | Q(reminded_days__gt=days),
        withdrawn_at__isnull=True,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=days),
    )


def queue_expiry_reminders(*, now=None) -> int:
    """Queue the reminders due: one email per person of the company for each document that
    reached 30, then 7 days before its expiry. Each document's reminder is claimed (its
    `reminded_days` set) in the transaction that queues the emails, so that it is sent once;
    a document uploaded 5 days before its expiry gets the 7-day reminder only."""
    today = timezone.localdate(now or timezone.now())
    queued = 0
    for days in sorted(REMINDER_DAYS):
        while True:
            with transaction.atomic():
                ids = list(
                    due_for_reminder(days, today)
                    .order_by("pk")
                    .select_for_update(skip_locked=True)
                    .values_list("pk", flat=True)[:REMINDER_CHUNK]
                )
                if not ids:
                    break
                Document.objects.filter(pk__in=ids).update(reminded_days=days)
                for document in Document.objects.filter(pk__in=ids).select_related("company"):
                    _queue_reminder(document)
            queued += len(ids)
    return queued


def _queue_reminder(document: Document) -> None:
    # One per address: a person known to several buyers gets it once.
    seen = set()
    for person in people_of(document.company).annotate(email_lower=Lower("email")):
        if person.email_lower not in seen:
            seen.add(person.email_lower)
            send_expiry_reminder.enqueue(document.pk, person.pk)


def expiry_reminder(document: Document, person: User, *, today: date) -> Email:
    language = links.language_of(person)
    return Email(
        template="document-expiring",
        to=person.email,
        language=language,
        context={
            "name": person.get_full_name() or person.username,
            "company_name": document.company.name,
            "document": DocumentKind(document.kind).label,
            "file_name": document.name,
            "expires_on": document.expires_on,
            "days": (document.expires_on - today).days,
            "documents_url": settings.BASE_URL + reverse("profiles:documents"),
        },
    )


def send_reminder(document_id: int, person_id: int, *, attempt: int = 1, now=None) -> str:
    """Remind one person of a document's expiry; temporary failures are retried later."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    document = (
        Document.objects.select_related("company")
        .filter(pk=document_id, withdrawn_at__isnull=True, expires_on__gte=today)
        .first()
    )
    # A document replaced or removed meanwhile, or a person disabled meanwhile: nothing to say.
    person = people_of(document.company).filter(pk=person_id).first() if document else None
    if document is None or person is None:
        return "skipped"
    return links.send_email(
        lambda: expiry_reminder(document, person, today=today),
        what=f"Document expiry reminder {document_id} to {person_id}",
        attempt=attempt,
        retry=lambda attempt: send_expiry_reminder.using(run_after=links.run_after(attempt, now)).enqueue(
            document_id, person_id, attempt + 1
        ),
    )


@task()
def send_expiry_reminder(document_id: int, person_id: int, attempt: int = 1) -> str:
    return send_reminder(document_id, person_id, attempt=attempt)


def documents_context(data: dict) -> dict:
    """What a profile page shows of the documents: each one, and how many have expired."""
    shown = shown_documents(data)
    return {"documents": shown, "expired_documents": sum(1 for item in shown if item["expired"])}
