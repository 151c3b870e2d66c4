"""The words of an import's row errors, in whoever reads them.

A row error is kept as its code and parameters (ImportBatch.errors), and worded when it is
read: a batch rejected while its admin read Spanish shows its errors in English once they
switch. Enlace's own errors are worded here from the code; a value refused by a cell rule
(an email, a phone number, a tax ID) is worded by that rule, checked again on the stored
value. What cannot be worded again (a file-level error, or an error stored as text only,
before errors had parameters) keeps the text written with it.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from enlace.imports.columns import COLUMNS
from enlace.lib.forms import normalize_email, normalize_phone
from enlace.partners.taxids import normalize_tax_id

# By code, or by (code, column key) where one code reads differently in one column.
MESSAGES = {
    "required": _("This value is required."),
    "too_long": _("At most %(max)s characters."),
    ("too_long", "groups"): _("Each group name may have at most 100 characters."),
    "invalid_notify": _("Write 1 to send an invitation, 0 not to."),
    "leading_zeros_removed": _(
        "Excel removed the leading zeros of this code (%(codes)s?): format the column as "
        "text and type the codes with their zeros."
    ),
    ("leading_zeros_removed", "tax_id"): _(
        "Excel removed the leading zeros of this tax ID (%(id)s?): format the column as "
        "text and type the IDs with their zeros."
    ),
    "duplicate_code": ngettext_lazy(
        "This code appears more than once in the file (also in row %(rows)s).",
        "This code appears more than once in the file (also in rows %(rows)s).",
        "count",
    ),
    "duplicate_tax_id": ngettext_lazy(
        "This tax ID appears more than once in the file (also in row %(rows)s).",
        "This tax ID appears more than once in the file (also in rows %(rows)s).",
        "count",
    ),
    "duplicate_email": ngettext_lazy(
        "This email appears more than once in the file (also in row %(rows)s).",
        "This email appears more than once in the file (also in rows %(rows)s).",
        "count",
    ),
    "tax_id_taken": _("This tax ID belongs to another customer (code %(code)s)."),
    "customer_not_found": _("There is no customer with code %(code)s."),
    "email_taken": _("A user with this email already exists."),
}

# The cell rules whose refusals they word themselves, by column key.
CELL_RULES = {
    "email": lambda country, value: normalize_email(value),
    "phone": normalize_phone,
    "tax_id": normalize_tax_id,
}


def message(code: str, key: str = "", /, **params) -> str:
    """Enlace's own wording of an error, in the active language."""
    template = MESSAGES.get((code, key)) or MESSAGES[code]
    return template % params if params else str(template)


def refusal(key: str, value, *, country: str) -> str | None:
    """What the cell rule of `key` says of `value` today, in the active language; None when it
    has nothing against it (the rule changed since) or the column has no such rule."""
    rule = CELL_RULES.get(key)
    if rule is None or not value:
        return None
    try:
        rule(country, value)
    except ValidationError as error:
        return error.messages[0]
    return None


def worded(errors, *, kind: str, country: str) -> list[dict]:
    """`errors` of a batch of `kind` as they read in the active language: each with its
    `column` label and `message` worded again."""
    labels = {c.key: c.label for c in COLUMNS[kind]}
    shown = []
    for error in errors:
        if "params" not in error:  # stored as text only
            shown.append(error)
            continue
        key, code = error.get("key", ""), error["code"]
        if key and ((code, key) in MESSAGES or code in MESSAGES):
            text = message(code, key, **error["params"])
        else:
            text = refusal(key, error.get("value"), country=country) or error["message"]
        column = labels.get(key, error.get("column", ""))
        shown.append({**error, "column": str(column), "message": text})
    return shown


def worded_batch_errors(batch, errors=None) -> list[dict]:
    """A batch's errors (or the first of them, `errors`) in the active language."""
    errors = batch.errors if errors is None else errors
    return worded(errors, kind=batch.kind, country=batch.organization.country)
