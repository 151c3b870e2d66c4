"""The admin pages the web benchmarks ask for: the locust admins of bench/web.py and the one
admin of bench/pages.py browse the same list. Each entry: the name figures are printed under,
its weight in the locust mix, and its path for the data bench/web_data.py wrote."""

import random

ADMIN_PAGES = [
    ("home", 1, lambda data: "/"),
    ("directory: first page", 3, lambda data: "/suppliers/"),
    ("directory: page 9/10 down", 1, lambda data: f"/suppliers/?after={data['deep_after']}"),
    ("directory: search a name part", 2, lambda data: f"/suppliers/?q={random.choice(data['name_parts'])}"),
    ("directory: search a word in 1/6 of names", 1, lambda data: f"/suppliers/?q={data['common_word']}"),
    ("directory: search a tax ID", 2, lambda data: f"/suppliers/?q={random.choice(data['tax_ids'])}"),
    ("directory: status invited", 1, lambda data: "/suppliers/?status=invited"),
    ("requests: state and kind", 2, lambda data: "/requests/?state=sent&kind=supplier_code"),
    (
        "requests: last name, state",
        1,
        lambda data: f"/requests/?q={random.choice(data['last_names'])}&state=failed",
    ),
    ("user's page", 1, lambda data: f"/users/{random.choice(data['user_ids'])}/"),
    ("import history", 1, lambda data: "/imports/"),
]
