from dataclasses import dataclass

from django.db.models import Q

from enlace.partners.models import Partner
from enlace.partners.taxids import compact_for_search

# A search on a page lists at most this many matches, and says so when there are more: each way
# of matching then stops at its first matches in the list's order, so a word that half the
# partners contain costs what a rare one does.
SEARCH_LIMIT = 1000


def search_partners(*, organization, kind, query: str = "", group_id=None, narrow=None, limit=None):
    """The organization's partners of a kind, matching a code, tax ID (any punctuation), name or
    email, in a group.

    `narrow` (a function of a queryset) adds the caller's own filters before the search, so they
    count toward `limit`. With `limit`, a search keeps only its first `limit` + 1 matches by name
    (one more than a page lists tells it that there are more); without, every match (the API
    pages through them all).
    """
    partners = Partner.objects.filter(organization=organization, kind=kind)
    if group_id:
        partners = partners.filter(groups__id=group_id)
    if narrow is not None:
        partners = narrow(partners)
    query = query.strip()
    if query:
        partners = partners.filter(pk__in=_matching_ids(partners, organization, query, limit=limit))
    return partners.select_related("company")


def _matching_ids(partners, organization, query: str, *, limit=None):
    """The ids of `partners` whose name contains `query`, whose code or email is `query` (any
    case) or whose compact tax ID starts with it; with `limit`, the first `limit` + 1 by name.

    One query per way of matching, joined by UNION, so each reads its own index; one OR across
    the partner and its company reads every partner of the organization. With a limit, each way
    stops at its own first matches by name (PostgreSQL then walks the name index for a word
    most names contain, and reads the trigram index for a rare one), and their union holds the
    first matches of all.
    """
    mine = partners.order_by()
    arms = [
        mine.filter(name__icontains=query),
        mine.filter(code__iexact=query),
        mine.filter(email__iexact=query),
    ]
    compact = compact_for_search(organization.country, query)
    if compact:
        arms.append(mine.filter(company__tax_id__startswith=compact))
    if limit is None:
        first, *rest = (arm.values("pk") for arm in arms)
        return first.union(*rest)
    first, *rest = (_first_by_name(arm, limit + 1) for arm in arms)
    return _first_by_name(Partner.objects.filter(pk__in=first.union(*rest)), limit + 1)


def _first_by_name(partners, count: int):
    # Each in an IN of its own: SQLite takes no ORDER BY or LIMIT in a part of a UNION.
    ids = partners.order_by("name", "pk").values("pk")[:count]
    return Partner.objects.filter(pk__in=ids).order_by().values("pk")


def more_than_limit(partners, *, limit=SEARCH_LIMIT) -> bool:
    """Whether a search made with this `limit` found more matches than that."""
    return partners.order_by()[limit : limit + 1].exists()


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
