from dataclasses import dataclass

from django.db.models import Q

from enlace.partners.models import Partner
from enlace.partners.taxids import compact_for_search


def search_partners(*, organization, kind, query: str = "", group_id=None):
    """The organization's partners of a kind, matching a code, tax ID (any punctuation), name or
    email."""
    partners = Partner.objects.filter(organization=organization, kind=kind).select_related("company")
    query = query.strip()
    if query:
        partners = partners.filter(pk__in=_matching_ids(organization, kind, query))
    if group_id:
        partners = partners.filter(groups__id=group_id)
    return partners


def _matching_ids(organization, kind, query: str):
    """The ids of the organization's partners of a kind whose name contains `query`, whose code
    or email is `query` (any case) or whose compact tax ID starts with it.

    One query per way of matching, joined by UNION, so each reads its own index; one OR across
    the partner and its company reads every partner of the organization.
    """
    mine = Partner.objects.filter(organization=organization, kind=kind).order_by()
    arms = [
        mine.filter(name__icontains=query),
        mine.filter(code__iexact=query),
        mine.filter(email__iexact=query),
    ]
    compact = compact_for_search(organization.country, query)
    if compact:
        arms.append(mine.filter(company__tax_id__startswith=compact))
    first, *rest = (arm.values("pk") for arm in arms)
    return first.union(*rest)


@dataclass
class Page:
    """One page of a keyset-paginated list: no COUNT(*) and no OFFSET, so page 2,000 of a
    100,000-row directory costs what page 1 costs."""

    rows: list
    next_after: int | None
    previous_before: int | None


def keyset_page(queryset, *, anchors, after=None, before=None, size=50) -> Page:
    """Rows ordered by (name, id) after or before the row with that id. The id is looked up in
    `anchors` (the organization's partners), so a row that left the filter still anchors the
    page and another organization's id finds nothing and gives the first page."""
    cursor = after or before
    anchor = anchors.filter(pk=cursor).values("name", "pk").first() if cursor else None
    if anchor and before:
        # name <= n AND NOT (name = n AND id >= pk): the name part is an index range.
        earlier = Q(name__lte=anchor["name"]) & ~Q(name=anchor["name"], pk__gte=anchor["pk"])
        rows = list(queryset.filter(earlier).order_by("-name", "-pk")[: size + 1])
        has_more = len(rows) > size
        rows = rows[:size][::-1]
        return Page(
            rows,
            next_after=rows[-1].pk if rows else None,
            previous_before=rows[0].pk if has_more else None,
        )
    if anchor:
        queryset = queryset.filter(
            Q(name__gte=anchor["name"]) & ~Q(name=anchor["name"], pk__lte=anchor["pk"])
        )
    rows = list(queryset.order_by("name", "pk")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows,
        next_after=rows[-1].pk if has_more else None,
        previous_before=rows[0].pk if anchor and rows else None,
    )
