"""What changed between two versions of a profile."""

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format

from enlace.profiles.fields import (
    COMPANY_FIELDS,
    SECTION_ITEM_NAMES,
    SECTIONS,
    AccountType,
    DocumentKind,
    review_field,
)

# Fields whose stored value is a code, read by people as its label; fields that hold a date.
CHOICES = {"account_type": AccountType, "kind": DocumentKind}
DATES = {"issued_on", "expires_on"}


def readable(field: str, value):
    """A stored value as people read it: a choice's label for a code, a date in the reader's
    language for an ISO date."""
    choices = CHOICES.get(field)
    if choices is not None and value in choices.values:
        return choices(value).label
    if field in DATES and value:
        return date_format(date.fromisoformat(value), "DATE_FORMAT")
    return value


@dataclass(frozen=True)
class Change:
    """One changed field: `section` is "" for the company's own fields, else "contacts" or
    "bank_accounts" with the item's position (from 1). A whole item added or removed is one
    change with `field` "" and the item as `old` or `new`."""

    section: str
    number: int
    field: str
    old: object
    new: object

    @property
    def label(self) -> str:
        if not self.section:
            return str(COMPANY_FIELDS[self.field])
        item = str(SECTION_ITEM_NAMES[self.section]) % {"number": self.number}
        return f"{item} · {SECTIONS[self.section][self.field]}" if self.field else item

    @property
    def item_summary(self) -> str:
        """An added or removed item in one line: its filled-in values."""
        item = self.new if self.old is None else self.old
        values = (readable(field, item.get(field, "")) for field in SECTIONS[self.section])
        return ", ".join(str(value) for value in values if value)

    @property
    def old_text(self):
        return readable(self.field, self.old)

    @property
    def new_text(self):
        return readable(self.field, self.new)

    @property
    def review_field(self) -> str:
        return review_field(self.section, self.field)

    @property
    def kind(self) -> str:
        if self.field:
            return "changed"
        return "added" if self.old is None else "removed"


def changes_between(old_version, new_version) -> list[Change]:
    """The fields that differ from `old_version` (None: nothing yet) to `new_version`, in the
    order of the forms. List items are compared by position: the second bank account of one
    version against the second of the other."""
    old = old_version.data if old_version is not None else {}
    new = new_version.data
    changes = [
        Change("", 0, field, old.get(field, ""), new.get(field, ""))
        for field in COMPANY_FIELDS
        if old.get(field, "") != new.get(field, "")
    ]
    for section, fields in SECTIONS.items():
        old_items, new_items = old.get(section, []), new.get(section, [])
        for index in range(max(len(old_items), len(new_items))):
            number = index + 1
            if index >= len(old_items):
                changes.append(Change(section, number, "", None, new_items[index]))
            elif index >= len(new_items):
                changes.append(Change(section, number, "", old_items[index], None))
            else:
                changes.extend(
                    Change(
                        section,
                        number,
                        field,
                        old_items[index].get(field, ""),
                        new_items[index].get(field, ""),
                    )
                    for field in fields
                    if old_items[index].get(field, "") != new_items[index].get(field, "")
                )
    return changes
