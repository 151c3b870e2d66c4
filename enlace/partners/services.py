"""Companies and partners: create and update an organization's suppliers and customers."""

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from enlace.lib.bulk import insert_many
from enlace.lib.errors import DomainError
from enlace.partners.models import Company, Partner, PartnerGroup


def get_or_create_company(*, country: str, tax_id: str, name: str) -> Company:
    """The network's company for this compact tax ID, created on first sight."""
    company, _created = Company.objects.get_or_create(country=country, tax_id=tax_id, defaults={"name": name})
    return company


class PartnerGroups:
    """An organization's partner groups by lower-cased name (as their unique constraint compares
    names), creating those that a form, the API or an import file names for the first time.

    Names are given as cleaned (stripped, none empty). An import keeps one for the whole file
    and assigns a chunk of rows at a time.
    """

    def __init__(self, organization):
        self.organization = organization
        self.ids = dict(
            PartnerGroup.objects.filter(organization=organization).values_list(Lower("name"), "pk")
        )

    def assign(self, names_of: dict, *, replace=()) -> None:
        """Each partner's (id -> group names) groups become the named ones; the partners in
        `replace` lose the groups they had first."""
        wanted = {}
        for names in names_of.values():
            for name in names:
                wanted.setdefault(name.lower(), name)
        missing = [
            PartnerGroup(organization=self.organization, name=n)
            for k, n in wanted.items()
            if k not in self.ids
        ]
        insert_many(missing)
        self.ids.update({g.name.lower(): g.pk for g in missing})
        through = Partner.groups.through
        if replace:
            through.objects.filter(partner_id__in=replace).delete()
        # A set: "Sierra; sierra" names one group once.
        links = {(partner, self.ids[name.lower()]) for partner, names in names_of.items() for name in names}
        insert_many(through(partner_id=partner, partnergroup_id=group) for partner, group in sorted(links))


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
        **{k: v for k, v in fields.items() if k in Partner.TEXT_FIELDS},
    )
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError:
        raise DomainError("partner_exists", _("This partner was just added by someone else.")) from None
    names = [name.strip() for name in groups if name.strip()]
    if names:
        PartnerGroups(organization).assign({partner.pk: names})
    return partner
