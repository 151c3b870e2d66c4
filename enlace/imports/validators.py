"""Row rules of each import. A validator checks every row and then the file as a whole, and
collects every error; it reads the database only with set-based queries, in chunks, and keeps
the clean rows on disk (a RowSpool) rather than in memory."""

import re
from itertools import islice

from django.core.exceptions import ValidationError

from enlace.accounts.services import emails_in_use
from enlace.imports import columns as import_columns
from enlace.imports.models import batch_error
from enlace.imports.spool import RowSpool
from enlace.imports.wording import message
from enlace.lib import lookups  # noqa: F401 - registers __in_array
from enlace.lib.forms import clean_text, normalize_email, normalize_phone
from enlace.partners.models import Partner
from enlace.partners.taxids import normalize_tax_id, tax_id_with_zeros

QUERY_CHUNK = 5000  # values per look-up query (__in_array): well under SQLite's 32,766 parameters
GROUP_SEPARATORS = re.compile(r"[;|]")
# Columns people read, cleaned by lib.forms.clean_text as the pages' forms clean them.
PEOPLE_TEXT = frozenset(
    {"name", "description", "address", "city", "province", "groups", "first_name", "last_name"}
)


def chunked(items, size=QUERY_CHUNK):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Validator:
    """Checks rows one by one (`check`), then across the file (`finish`).

    Clean rows go to `self.spool` as (row number, {field: value}), with `ref` set by `finish`
    to the id of the record a row updates or belongs to; errors are dicts ready for JSON.
    `close()` frees the spool.
    """

    kind = ""
    fields = ()  # what `check` returns, in order
    keys = ()  # the fields the file-level rules look up

    def __init__(self, *, organization, present=(), keep_rows=True):
        self.organization = organization
        self.country = organization.country
        self.columns = {c.key: c for c in import_columns.COLUMNS[self.kind]}
        self.present = set(present) or set(self.columns)
        # keep_rows=False: a validator that only checks rows (in a check process).
        self.spool = RowSpool(self.fields, self.keys) if keep_rows else None
        self.errors = []

    def error(self, number, key, value, code, /, **params) -> None:
        """An error of Enlace's own (worded by enlace.imports.wording from its code)."""
        self._add_error(number, key, value, code, params, message(code, key, **params))

    def refused(self, number, key, value, error: ValidationError, code: str) -> None:
        """A cell rule's refusal, worded by the rule (checked again when read)."""
        self._add_error(number, key, value, error.code or code, error.params or {}, error.messages[0])

    def _add_error(self, number, key, value, code, params, text) -> None:
        self.errors.append(
            batch_error(
                row=number,
                column=str(self.columns[key].label),
                key=key,
                value=value,
                code=code,
                params=params,
                message=text,
            )
        )

    # --- cell rules -----------------------------------------------------------------------

    def text(self, number, row, key):
        value = row.get(key, "")
        if value and key in PEOPLE_TEXT:
            value = clean_text(value)  # one isascii() check for a plain cell
        column = self.columns[key]
        if not value and column.required:
            self.error(number, key, value, "required")
            return None
        if len(value) > column.max_length:
            self.error(number, key, value, "too_long", max=column.max_length)
            return None
        return value

    def email(self, number, row, key="email"):
        value = self.text(number, row, key)
        if not value:
            return value
        try:
            return normalize_email(value)
        except ValidationError as error:
            self.refused(number, key, value, error, "invalid_email")
            return None

    def phone(self, number, row, key="phone"):
        value = self.text(number, row, key)
        if not value:
            return value
        try:
            return normalize_phone(self.country, value)
        except ValidationError as error:
            self.refused(number, key, value, error, "invalid_phone")
            return None

    def tax_id(self, number, row, key="tax_id"):
        value = self.text(number, row, key)
        if not value:
            return value
        try:
            return normalize_tax_id(self.country, value)
        except ValidationError as error:
            restored = tax_id_with_zeros(self.country, value)
            if restored:
                self.error(number, key, value, "leading_zeros_removed", id=restored)
            else:
                self.refused(number, key, value, error, "invalid_tax_id")
            return None

    def groups(self, number, row, key="groups"):
        value = self.text(number, row, key) or ""
        names = list(dict.fromkeys(n.strip() for n in GROUP_SEPARATORS.split(value) if n.strip()))
        if any(len(n) > 100 for n in names):
            self.error(number, key, value, "too_long")
        return names

    def check_row(self, number, row) -> tuple[dict, list]:
        """The row's clean values and its errors (`check`'s), without keeping either."""
        kept, self.errors = self.errors, []
        try:
            return self.check(number, row), self.errors
        finally:
            self.errors = kept

    def add(self, number, clean, errors) -> None:
        """Keep a checked row and its errors."""
        self.errors += errors
        self.spool.add(number, clean)

    @property
    def count(self) -> int:
        """Rows read (with or without errors)."""
        return self.spool.count

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()

    def check(self, number, row) -> dict:
        raise NotImplementedError

    def finish(self) -> None:
        """File-level rules; sorts errors by row and column order."""
        order = list(self.columns)
        self.errors.sort(key=lambda e: (e["row"], order.index(e["key"])))

    def duplicates(self, key, code) -> None:
        """Report every row whose value for `key` appears in more than one row."""
        for value, numbers in self.spool.duplicates(key):
            for number in numbers:
                others = [str(n) for n in numbers if n != number]
                self.error(number, key, value, code, rows=", ".join(others), count=len(others))

    def look_up(self, name, key, query) -> None:
        """Remember, under `name`, what `query(values)` says of each distinct value of `key`:
        it returns (value, ref, extra) triples for the values the database has."""
        for chunk in self.spool.distinct(key, QUERY_CHUNK):
            self.spool.remember(name, query(chunk))

    def codes_without_zeros(self, name, key, codes) -> dict:
        """Codes a spreadsheet stripped of their zeros (00123 saved as the number 123): for each
        value of `key` that matched nothing under `name` and is digits, the (code, id) of the
        partners in `codes` whose code is that value with zeros before it; values with none
        are left out."""
        lost = {}
        for _number, value in self.spool.rows_by_found(name, key, found=False):
            if value.isdigit() and not value.startswith("0"):
                lost[value] = []
        if lost:
            for code, pk in codes.filter(code__startswith="0").values_list("code", "pk").iterator():
                if code.isdigit() and code.lstrip("0") in lost:
                    lost[code.lstrip("0")].append((code, pk))
        return {value: sorted(found) for value, found in lost.items() if found}

    def zeros_removed(self, number, key, value, candidates) -> None:
        codes = ", ".join(code for code, _pk in candidates)
        self.error(number, key, value, "leading_zeros_removed", codes=codes)

    @property
    def ok(self) -> bool:
        return not self.errors


class PartnerValidator(Validator):
    """Shared by customers and suppliers: the partner's fields and its company."""

    partner_kind = ""
    optional = ("description", "address", "city", "province", "fax")

    def __init__(self, **kwargs):
        kind_columns = {c.key for c in import_columns.COLUMNS[self.kind]}
        self.fields = (
            "tax_id",
            "name",
            *(k for k in self.optional if k in kind_columns),
            "email",
            "phone",
            "groups",
            *self.fields,
        )
        super().__init__(**kwargs)

    def check(self, number, row) -> dict:
        clean = {
            "tax_id": self.tax_id(number, row),
            "name": self.text(number, row, "name"),
        }
        for key in self.optional:
            if key in self.columns:
                clean[key] = self.text(number, row, key) or ""
        clean["email"] = self.email(number, row) or ""
        clean["phone"] = self.phone(number, row) or ""
        clean["groups"] = self.groups(number, row)
        return clean

    def look_up_holders(self) -> None:
        """Remember, under "holder", this organization's partner (id, code) of each tax ID."""

        def holders(tax_ids):
            return Partner.objects.filter(
                organization=self.organization,
                kind=self.partner_kind,
                company__country=self.country,
                company__tax_id__in_array=tax_ids,
            ).values_list("company__tax_id", "pk", "code")

        self.look_up("holder", "tax_id", holders)


class CustomerValidator(PartnerValidator):
    """The customer master: upsert by Code."""

    kind = "customers"
    partner_kind = Partner.Kind.CUSTOMER
    fields = ("code",)
    keys = ("code", "tax_id")

    def check(self, number, row) -> dict:
        clean = super().check(number, row)
        clean["code"] = self.text(number, row, "code")
        return clean

    def finish(self) -> None:
        self.duplicates("code", "duplicate_code")
        self.duplicates("tax_id", "duplicate_tax_id")
        self.look_up_holders()
        customers = Partner.objects.filter(organization=self.organization, kind=self.partner_kind)
        self.look_up(
            "code",
            "code",
            lambda codes: customers.filter(code__in_array=codes).values_list("code", "pk", "code"),
        )
        # Refused rather than matched: the row would write the code without its zeros.
        restored = self.codes_without_zeros("code", "code", customers)
        refused = set()
        for number, code in self.spool.rows_by_found("code", "code", found=False):
            if code in restored:
                self.zeros_removed(number, "code", code, restored[code])
                refused.add(number)
        for chunk in self.spool.chunks(lookups=[("code", "code"), ("holder", "tax_id")]):
            refs = []
            for number, clean, _ref, (by_code, holder) in chunk:
                if not clean.get("code") or not clean.get("tax_id") or number in refused:
                    continue
                target = by_code[0] if by_code else None
                if holder and holder[0] != target:
                    if target is None and not holder[1]:
                        target = holder[0]  # a customer added without a code takes the file's code
                    else:
                        self.error(number, "tax_id", clean["tax_id"], "tax_id_taken", code=holder[1])
                refs.append((target, number))
            self.spool.set_refs(refs)
        super().finish()


class SupplierValidator(PartnerValidator):
    """The supplier directory: upsert by tax ID, optionally inviting each supplier."""

    kind = "suppliers"
    partner_kind = Partner.Kind.SUPPLIER
    fields = ("notify",)
    keys = ("tax_id",)

    def check(self, number, row) -> dict:
        clean = super().check(number, row)
        notify = row.get("notify", "")
        if notify not in ("0", "1"):
            self.error(number, "notify", notify, "invalid_notify" if notify else "required")
        clean["notify"] = notify == "1"
        return clean

    def finish(self) -> None:
        self.duplicates("tax_id", "duplicate_tax_id")
        self.look_up_holders()
        self.spool.set_refs_from("holder", "tax_id")
        super().finish()


class CustomerUserValidator(Validator):
    """People of the organization's customers, each to receive a registration link."""

    kind = "customer_users"
    fields = ("customer_code", "first_name", "last_name", "email", "phone")
    keys = ("email", "customer_code")

    def check(self, number, row) -> dict:
        return {
            "customer_code": self.text(number, row, "customer_code"),
            "first_name": self.text(number, row, "first_name"),
            "last_name": self.text(number, row, "last_name"),
            "email": self.email(number, row),
            "phone": self.phone(number, row) or "",
        }

    def finish(self) -> None:
        customers = Partner.objects.filter(organization=self.organization, kind=Partner.Kind.CUSTOMER)
        self.look_up(
            "customer",
            "customer_code",
            lambda codes: customers.filter(code__in_array=codes).values_list("code", "pk", "code"),
        )
        # A code that lost its zeros names the one customer whose code it is with them.
        restored = self.codes_without_zeros("customer", "customer_code", customers)
        self.spool.remember(
            "customer",
            ((value, found[0][1], found[0][0]) for value, found in restored.items() if len(found) == 1),
        )

        def taken(emails):
            return [(email, None, None) for email in emails_in_use(emails, organization=self.organization)]

        self.look_up("taken", "email", taken)
        # Asked of the spool, so that only the rows in error come back to Python.
        for number, code in self.spool.rows_by_found("customer", "customer_code", found=False):
            if code in restored:
                self.zeros_removed(number, "customer_code", code, restored[code])
                continue
            self.error(number, "customer_code", code, "customer_not_found", code=code)
        for number, email in self.spool.rows_by_found("taken", "email", found=True):
            self.error(number, "email", email, "email_taken")
        self.spool.set_refs_from("customer", "customer_code")
        self.duplicates("email", "duplicate_email")
        super().finish()


VALIDATORS = {
    "customers": CustomerValidator,
    "customer_users": CustomerUserValidator,
    "suppliers": SupplierValidator,
}
