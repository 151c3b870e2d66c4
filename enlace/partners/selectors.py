from django.db.models import Q

from enlace.partners.models import Partner
from enlace.partners.taxids import compact_for_search


def search_partners(*, organization, kind, query: str = "", group_id=None):
    """The organization's partners of a kind, matching a code, tax ID (any punctuation), name or
    email."""
    partners = Partner.objects.filter(organization=organization, kind=kind).select_related("company")
    query = query.strip()
    if query:
        compact = compact_for_search(organization.country, query)
        condition = Q(name__icontains=query) | Q(code__iexact=query) | Q(email__iexact=query)
        if compact:
            condition |= Q(company__tax_id__startswith=compact)
        partners = partners.filter(condition)
    if group_id:
        partners = partners.filter(groups__id=group_id)
    return partners
