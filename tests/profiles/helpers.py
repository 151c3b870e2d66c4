"""Posting the profile's steps as a browser does."""

from django.urls import reverse

COMPANY = {
    "legal_name": "Aceros del Sur S.A.",
    "trade_name": "Aceros Sur",
    "tax_regime": "Régimen general",
    "street": "Av. Amazonas 100",
    "city": "Quito",
    "region": "Pichincha",
    "postal_code": "170150",
    "country": "EC",
}


def post_company(browser, **fields):
    return browser.post(reverse("profiles:edit_company"), {**COMPANY, **fields})


def post_items(browser, section, items):
    """The step's formset with `items` (dicts of fields) and the blank form for one more."""
    data = {
        f"{section}-TOTAL_FORMS": str(len(items) + 1),
        f"{section}-INITIAL_FORMS": "0",
        f"{section}-MIN_NUM_FORMS": "0",
        f"{section}-MAX_NUM_FORMS": "20",
    }
    for index, item in enumerate(items):
        data.update({f"{section}-{index}-{name}": value for name, value in item.items()})
    if section == "bank_accounts":  # the blank form's selects post their first option, as a browser does
        data.update(
            {f"{section}-{len(items)}-account_type": "checking", f"{section}-{len(items)}-currency": "USD"}
        )
    url = reverse("profiles:edit_contacts" if section == "contacts" else "profiles:edit_bank_accounts")
    return browser.post(url, data)


def contact(**fields):
    return {
        "name": "Rosa Paz",
        "role": "Ventas",
        "email": "rosa@aceros.example",
        "phone": "0991234567",
        **fields,
    }


def bank_account(**fields):
    return {
        "bank": "Banco Pichincha",
        "account_type": "checking",
        "number": "2100123456",
        "currency": "USD",
        "holder": "Aceros del Sur S.A.",
        **fields,
    }
