from dataclasses import dataclass

from django.db.models import Q

from enlace.partners.models import Partner
from enlace.partners.taxids import compact_for_search

# A search on a page lists at most this many matches, and says so when there are more: each way
# of matching then stops at its first matches in the list's order, so a word that half the
# partners contain costs about what a rare one does.
SEARCH_LIMIT = 1000


def search_partners(*, organization, kind, query: str = "", group_id=None, narrow=None, limit=None):
    """The organization's partners of a kind, matching a code, tax ID (any punctuation), name or
    email, in a group.

    `narrow` (a function of a queryset) adds the caller's own filters before the search, so they
    count toward `limit`. With `limit`, a search keeps only its first `limit` + 1 matches by name
    (one more than a page lists tells it that there are more), found at once; without, every
    match (the API pages through them all).
    """
    partners = Partner.objects.filter(organization=organization, kind=kind)
    if group_id:
        partners = partners.filter(groups__id=group_id)
    if narrow is not None:
        partners = narrow(partners)
    query = query.strip()
    if query and limit is None:
        partners = partners.filter(pk__in=_matching_ids(partners, organization, query))
    elif query:
        partners = partners.filter(pk__in_array=_first_matching_ids(partners, organization, query, limit + 1))
    return partners.select_related("company")


def _ways_of_matching(partners, organization, query: str):
    """`partners` whose name contains `query`, whose code or email is `query` (any case) or whose
    compact tax ID starts with it: one queryset per way, so each reads its own index (one OR
    across the partner and its company reads every partner of the organization)."""
    mine = partners.order_by()
    ways = [
        mine.filter(name__icontains=query),
        mine.filter(code__iexact=query),
        mine.filter(email__iexact=query),
    ]
    compact = compact_for_search(organization.country, query)
    if compact:
        ways.append(mine.filter(company__tax_id__startswith=compact))
    return ways


def _matching_ids(partners, organization, query: str):
    """The ids of every match, one query per way of matching joined by UNION."""
    first, *rest = (way.values("pk") for way in _ways_of_matching(partners, organization, query))
    return first.union(*rest)


def _first_matching_ids(partners, organization, query: str, count: int) -> list[int]:
    """The ids of the first `count` matches by name.

    Each way of matching stops at its own first `count` (PostgreSQL walks the name index for a
    word most names contain and reads the trigram index for a rare one), so together they hold
    the first `count` of all; when more than that came back, the database (whose collation
    orders the names) picks them. Each way is a query of its own: as parts of one UNION their
    ORDER BY and LIMIT would need a subquery each (SQLite takes neither in a UNION's part), and
    the planner would have the matches to join back to the partners again.
    """
    found = set()
    for way in _ways_of_matching(partners, organization, query):
        found.update(way.order_by("name", "pk").values_list("pk", flat=True)[:count])
    if len(found) <= count:
        return list(found)
    first = Partner.objects.filter(pk__in_array=list(found)).order_by("name", "pk")
    return list(first.values_list("pk", flat=True)[:count])


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
