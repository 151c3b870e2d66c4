"""Companies and partners: create and update an organization's suppliers and customers."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from enlace.lib.errors import DomainError
from enlace.partners.models import Company, Partner, PartnerGroup

PARTNER_FIELDS = (
    "code",
    "name",
    "description",
    "address",
    "city",
    "province",
    "phone",
    "fax",
    "email",
)


def get_or_create_company(*, country: str, tax_id: str, name: str) -> Company:
    """The network's company for this compact tax ID, created on first sight."""
    company, _created = Company.objects.get_or_create(country=country, tax_id=tax_id, defaults={"name": name})
    return company


def groups_named(organization, names) -> list[PartnerGroup]:
    """The organization's groups with these names (case-insensitive), created as needed."""
    found = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        group = PartnerGroup.objects.filter(organization=organization, name__iexact=name).first()
        found.append(group or PartnerGroup.objects.create(organization=organization, name=name))
    return found


@transaction.atomic
def create_partner(*, organization, kind, tax_id: str, groups=(), **fields) -> Partner:
    """Add a supplier or customer. `tax_id` must already be validated and compact."""
    company = get_or_create_company(country=organization.country, tax_id=tax_id, name=fields["name"])
    if Partner.objects.filter(organization=organization, kind=kind, company=company).exists():
        raise DomainError("partner_exists", _("This tax ID is already in your list."), field="tax_id")
    code = fields.get("code", "")
    if code and Partner.objects.filter(organization=organization, kind=kind, code=code).exists():
        raise DomainError("code_taken", _("Another partner already has this code."), field="code")
    partner = Partner(
        organization=organization,
        kind=kind,
        company=company,
        **{k: v for k, v in fields.items() if k in PARTNER_FIELDS},
    )
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError:
        raise DomainError("partner_exists", _("This partner was just added by someone else.")) from None
    if groups:
        partner.groups.set(groups_named(organization, groups))
    return partner
