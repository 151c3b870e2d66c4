"""Numbered pages over lists that may hold millions of rows."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# A list counts its rows up to this many: past it, the page says "more than" and its numbers stop.
COUNT_LIMIT = 10_000


class CountLimitedPaginator(Paginator):
    """A Paginator whose count stops at `COUNT_LIMIT`: counting every one of a million matching
    rows would cost a page far more than showing fifty of them. `more_than_limit` tells the page
    to say "more than"; filters narrow the list, and exports still hold every row."""

    count_limit = COUNT_LIMIT

    @cached_property
    def counted(self) -> int:
        return self.object_list.order_by()[: self.count_limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.count_limit)

    @property
    def more_than_limit(self) -> bool:
        return self.counted > self.count_limit
