"""Saving a company's profile: each save writes the next version, audited; a change to the bank
accounts tells every registered person of the company by email, in the same transaction."""

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from enlace.accounts import links
from enlace.accounts.models import User
from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.lib.errors import DomainError
from enlace.mail.rendering import Email
from enlace.organizations.time_zones import format_moment
from enlace.partners.models import Company, Partner
from enlace.profiles.changes import changes_between
from enlace.profiles.fields import BANK_ACCOUNTS, COMPANY_FIELDS, SECTIONS, empty_profile
from enlace.profiles.models import ProfileVersion
from enlace.profiles.people import people_of
from enlace.profiles.reviews import reopen_after_critical_change


def latest_version(company) -> ProfileVersion | None:
    return ProfileVersion.objects.filter(company=company).select_related("author").first()


def current_data(company) -> dict:
    """The profile as it stands: the newest version's data, or the empty profile."""
    version = latest_version(company)
    return version.data if version is not None else empty_profile(company)


@transaction.atomic
def save_profile(*, company: Company, by: User, **parts) -> ProfileVersion | None:
    """Save the company's fields, or its contacts, or its bank accounts, as the next version of
    its profile. Returns the new version, or None when nothing changed (no version is written).

    `parts` are the cleaned values: any of the company fields, `contacts`, `bank_accounts`.
    """
    unknown = set(parts) - set(COMPANY_FIELDS) - set(SECTIONS)
    if unknown:
        raise DomainError("unknown_fields", _("Unknown profile fields."), fields=sorted(unknown))
    # Versions of one company are numbered one after another: writers take turns on its row.
    company = Company.objects.select_for_update().get(pk=company.pk)
    previous = latest_version(company)
    data = {**(previous.data if previous else empty_profile(company)), **parts}
    if previous is not None and data == previous.data:
        return None
    version = ProfileVersion.objects.create(
        company=company, number=previous.number + 1 if previous else 1, data=data, author=by
    )
    changes = changes_between(previous, version)
    # Named by their keys: an event's detail is read in any language.
    fields = ", ".join(dict.fromkeys(change.section or change.field for change in changes))
    organization = by.organization
    # Every buyer's audit trail (and so its webhooks) hears of the new version; the person's own
    # timeline is in the organization that brought them in.
    buyers = Partner.objects.filter(company=company, kind=Partner.Kind.SUPPLIER).select_related(
        "organization"
    )
    for partner in buyers:
        record(
            organization=partner.organization,
            action=AuditEvent.Action.PROFILE_CHANGED,
            actor=by,
            user=by if partner.pk == by.partner_id else None,
            partner=partner,
            detail=f"{company.name}, v{version.number}: {fields}",
        )
    if any(change.section == BANK_ACCOUNTS for change in changes):
        record(
            organization=organization,
            action=AuditEvent.Action.BANK_ACCOUNTS_CHANGED,
            actor=by,
            user=by,
            detail=f"{company.name}, v{version.number}",
        )
        notify_bank_change(version)
    reopen_after_critical_change(version=version, changes=changes, by=by)
    return version


def notify_bank_change(version: ProfileVersion) -> None:
    """One email per registered person of the company (one per address: a person known to
    several buyers gets it once)."""
    seen = set()
    for person in people_of(version.company).annotate(email_lower=Lower("email")):
        if person.email_lower not in seen:
            seen.add(person.email_lower)
            send_bank_change_notice.enqueue(version.pk, person.pk)


def bank_change_notice(version: ProfileVersion, person: User) -> Email:
    language = links.language_of(person)
    author = version.author
    return Email(
        template="bank-accounts-changed",
        to=person.email,
        language=language,
        context={
            "name": person.get_full_name() or person.username,
            "company_name": version.company.name,
            "author_name": (author.get_full_name() or author.email) if author else "",
            "author_email": author.email if author else "",
            "version": version.number,
            "when": format_moment(version.created_at, zone=_zone_of(person), language=language),
            "profile_url": settings.BASE_URL + reverse("profiles:overview"),
        },
    )


def send_notice(version_id: int, person_id: int, *, attempt: int = 1, now=None) -> str:
    """Send one person the notice of a bank-account change; temporary failures are retried
    later, as every emailed link's are (links.send_email)."""
    now = now or timezone.now()
    version = ProfileVersion.objects.select_related("company", "author").filter(pk=version_id).first()
    # Someone disabled meanwhile (or no longer the company's) is told nothing.
    person = people_of(version.company).filter(pk=person_id).first() if version else None
    if version is None or person is None:
        return "skipped"
    return links.send_email(
        lambda: bank_change_notice(version, person),
        what=f"Bank accounts changed notice {version_id} to {person_id}",
        attempt=attempt,
        retry=lambda attempt: send_bank_change_notice.using(run_after=links.run_after(attempt, now)).enqueue(
            version_id, person_id, attempt + 1
        ),
    )


def _zone_of(person: User) -> str:
    organization = links.organization_of(person)
    return organization.zone.key if organization else settings.TIME_ZONE


@task()
def send_bank_change_notice(version_id: int, person_id: int, attempt: int = 1) -> str:
    return send_notice(version_id, person_id, attempt=attempt)
