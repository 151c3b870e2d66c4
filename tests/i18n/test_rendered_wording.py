"""Every email and every page, rendered in Spanish and in English, reads right: no doubled
period after a name or time ending in one ("Cía. Ltda.."), no number with the wrong form of its
word ("1 filas", "(filas 3)"), and no English left on a Spanish page.

The data is chosen to provoke those defects: names ending in an abbreviation, one error in one
row, a value in exactly two rows, a person with no name. The catalogs are the source of what is
English: a word of the English messages that no Spanish translation uses (such as "the", "your",
"row") must not appear on a Spanish page.
"""

import dataclasses
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

import enlace
from enlace.accounts.models import User
from enlace.accounts.password_reset import issue_reset, reset_email
from enlace.accounts.services import create_customer_user
from enlace.accounts.supplier_invitations import invite_partner
from enlace.imports.models import ImportBatch
from enlace.imports.services import import_file
from enlace.invitations.emails import invitation_email, reminder_email
from enlace.invitations.models import Invitation
from enlace.mail.models import MailboxMessage
from enlace.mail.rendering import message
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from enlace.profiles.questionnaires import publish_question
from tests.conftest import ec_cedula, run_worker

LANGUAGES = ("es", "en")
CATALOGS = sorted((Path(enlace.__file__).parent / "locale").glob("*/es/LC_MESSAGES/django.po"))

# A period doubled (an ellipsis of three is fine).
DOUBLED_PERIOD = re.compile(r"(?<!\.)\.\.(?!\.)")
ONE = r"(?<![\d.,])1"
MANY = r"(?<![\d.,])(?:0|[2-9]|[1-9]\d+)"
SINGULAR = (
    r"(?:fila|error|proveedor|cliente|usuario|código|invitación"
    r"|row|supplier|customer|user|code|invitation)"
)
PLURAL = (
    r"(?:filas|errores|proveedores|clientes|usuarios|códigos|invitaciones"
    r"|rows|errors|suppliers|customers|users|codes|invitations)"
)
WRONG_PLURALS = [
    re.compile(rf"{ONE}[ \xa0]+{PLURAL}\b", re.IGNORECASE),  # "1 filas", "1 errores"
    re.compile(rf"{MANY}[ \xa0]+{SINGULAR}\b", re.IGNORECASE),  # "2 fila"
    re.compile(r"\((?:filas|fila|rows|row)\s+\d[\d, ]*\)", re.IGNORECASE),  # "(filas 3)"
    re.compile(rf"\b(?:filas|rows)[ \xa0]+{ONE}(?![\d,])", re.IGNORECASE),  # "filas 1"
]
# English words that are also Spanish, or names a Spanish page rightly shows in English.
BOTH_LANGUAGES = {
    "error",
    "total",
    "portal",
    "email",
    "enlace",
    "webhook",
    "webhooks",
    "online",
    "json",
    "post",
    "bearer",
    "authorization",
    "true",
    "false",
    "cursor",
    "next_cursor",
    "excel",
    "google",
    "microsoft",
    "authenticator",
    "freeotp",
    "password",
    "html",
    "signature",
    "english",
    "debug",
    "message",
    "hmac",
    "sha256",
    "ruc",
    "cuit",
    "nit",
    "rut",
    "rfc",
    "fax",
    "utf",
    "base",
    "zip",
}


class VisibleText(HTMLParser):
    """The text a person reads or hears: text nodes and the labels in attributes."""

    READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        self.parts += [value for name, value in attrs if name in self.READ_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(data)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(" ".join(part.split()) for part in parser.parts)


def catalog_entries():
    """(msgid, [msgstr, ...], fuzzy) of every entry of the Spanish catalogs."""
    for path in CATALOGS:
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            strings = {}
            for key, quoted in re.findall(
                r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) ((?:".*"\n?)+)', block, re.M
            ):
                strings[key] = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted))
            if strings.get("msgid"):
                translations = [v for k, v in strings.items() if k.startswith("msgstr")]
                yield strings["msgid"], translations, "#, fuzzy" in block or ", fuzzy" in block


def words(text):
    # Addresses, links, placeholders, markup and time zones' IANA names (America/New_York) are
    # no language's words.
    text = re.sub(r"\S+@\S+|https?://\S+|%\(\w+\)s|\{\{[^}]*\}\}|<[^>]*>|\b[A-Z]\w*(?:/[\w+-]+)+", " ", text)
    return {w.lower() for w in re.findall(r"[^\W\d_]{3,}", text)}


def english_only_words():
    english, spanish = set(), set()
    for msgid, translations, _fuzzy in catalog_entries():
        english |= words(msgid)
        for translation_ in translations:
            spanish |= words(translation_)
    return english - spanish - BOTH_LANGUAGES


def wording_defects(text, language, english_only):
    found = [
        f"doubled period: …{text[max(0, m.start() - 40) : m.end() + 5]}…"
        for m in DOUBLED_PERIOD.finditer(text)
    ]
    for pattern in WRONG_PLURALS:
        found += [f"number and word disagree: {m.group(0)!r}" for m in pattern.finditer(text)]
    if language == "es":
        for line in text.splitlines():
            english = sorted(words(line) & english_only)
            if english:
                found.append(f"English on a Spanish page {english}: {line!r}")
    return found


@pytest.fixture
def english_only():
    return english_only_words()


def test_the_catalogs_have_no_empty_or_fuzzy_translation():
    entries = list(catalog_entries())
    assert len(entries) > 300
    assert [msgid for msgid, translations, _ in entries if not all(translations)] == []
    assert [msgid for msgid, _, fuzzy in entries if fuzzy] == []


@pytest.fixture
def world(settings, alice, customer):
    """Something on every page: people, suppliers, invitations of each kind, rejected files."""
    settings.DEBUG = True  # the development mailbox's pages
    settings.EMAIL_BACKEND = "enlace.mail.backends.MailboxBackend"
    organization = customer.organization
    customer.name = "Ferretería El Tornillo Cía. Ltda."
    customer.save()
    person = create_customer_user(
        organization=organization,
        by=alice,
        username=ec_cedula(950),
        partner=customer,
        email="maria.villavicencio@tornillo.example",
        first_name="María Fernanda",
        last_name="Villavicencio",
    )
    supplier = create_partner(
        organization=organization,
        kind=Partner.Kind.SUPPLIER,
        tax_id=ec_ruc(21),
        name="Distribuidora Andina S.A.",
        email="ventas@andina.example",
    )
    invite_partner(organization=organization, partner=supplier, emails=[supplier.email], by=alice)

    def load(kind, text):
        return import_file(
            organization=organization, kind=kind, file=io.BytesIO(text.encode()), filename="f.csv", by=alice
        )

    header = "Customer code*,First names*,Last names*,Email*\n"
    one_error = load(ImportBatch.Kind.CUSTOMER_USERS, header + "C001,Ana,Torres,ana.torres.tornillo\n")
    twice = load(
        ImportBatch.Kind.CUSTOMER_USERS,
        header + "C001,Ana,Torres,ana@tornillo.example\nC001,Ana,Torres,ana@tornillo.example\n",
    )
    load(ImportBatch.Kind.CUSTOMER_USERS, header + "C001,Luis,Mena,luis@tornillo.example\n")
    run_worker()
    supplier_code = Invitation.objects.get(kind=Invitation.Kind.SUPPLIER_CODE)
    registration = Invitation.objects.get(kind=Invitation.Kind.REGISTRATION)
    activation = Invitation.objects.get(kind=Invitation.Kind.ACTIVATION)
    question = publish_question(
        organization=organization, by=alice, text="Tamaño", kind="one_choice", choices=["Pequeña", "Grande"]
    )
    staff_pages = [
        reverse("home"),
        reverse("settings"),
        reverse("api:key_list"),
        reverse("api:webhook_list"),
        reverse("accounts:user_list"),
        reverse("accounts:user_create"),
        reverse("accounts:user_detail", args=[person.pk]),
        reverse("accounts:user_edit", args=[person.pk]),
        reverse("accounts:my_account"),
        reverse("accounts:change_password"),
        reverse("accounts:change_email"),
        reverse("accounts:two_factor"),
        reverse("partners:customer_list"),
        reverse("partners:customer_create"),
        reverse("partners:supplier_list"),
        reverse("partners:supplier_create"),
        reverse("partners:supplier_added", args=[supplier.pk]),
        reverse("partners:supplier_invite", args=[supplier.pk]),
        reverse("imports:batch_list"),
        reverse("imports:batch_detail", args=[one_error.pk]),
        reverse("imports:batch_detail", args=[twice.pk]),
        *(reverse("imports:upload", args=[slug]) for slug in ("customers", "suppliers", "customer-users")),
        reverse("invitations:list"),
        *(reverse("invitations:revoke", args=[i.pk]) for i in (supplier_code, registration, activation)),
        reverse("profiles:questionnaire"),
        reverse("profiles:add_question"),
        reverse("profiles:edit_question", args=[question.key]),
        reverse("mailbox"),
        *(reverse("mailbox_message", args=[m.pk]) for m in MailboxMessage.objects.all()),
    ]
    return {"staff_pages": staff_pages, "invitations": [supplier_code, registration, activation]}


def mailbox_value(pattern):
    for mail in MailboxMessage.objects.all():
        match = re.search(pattern, mail.text_body)
        if match:
            return match.group(1)
    raise AssertionError(f"no {pattern} in the mailbox")


def visitor(language):
    """A browser not signed in, whose person switched the page to `language`."""
    browser = Client()
    browser.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return browser


def visitor_pages(language):
    """The pages of people who are not signed in, each reached the way its person reaches it."""
    pages = [
        (path, visitor(language).get(path))
        for path in ("/login/", "/password/forgot/", "/supplier/register/")
    ]
    for prefix in ("/a/", "/r/"):
        link = mailbox_value(rf"https://enlace\.test({prefix}\S+/)")
        pages.append((link, visitor(language).get(link, follow=True)))
    code = mailbox_value(r"(?:Your activation code|Su código de activación|Código de activación): (\S+)")
    response = visitor(language).post("/supplier/register/code/", {"code": code}, follow=True)
    pages.append(("the supplier's account step", response))
    return pages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_reads_right(world, alice_client, language, english_only):
    alice_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    pages = [(path, alice_client.get(path)) for path in world["staff_pages"]]
    pages += visitor_pages(language)
    problems, texts = [], []
    for path, response in pages:
        assert response.status_code in (200, 410), f"{path}: {response.status_code}"
        assert response.headers["Content-Language"] == language, path
        texts.append(visible_text(response.content.decode()))
        problems += [
            f"{path}: {p}"
            for p in wording_defects(visible_text(response.content.decode()), language, english_only)
        ]
    assert problems == [], "\n".join(problems)
    # The pages reached the cases that provoke the defects.
    for expected in PROVOKED[language]:
        assert any(expected in text for text in texts), expected


PROVOKED = {
    "es": [
        "tiene 1 error en 1 fila.",
        "(también en la fila 3)",
        "El código de activación enviado a ventas@andina.example dejará",
        "Distribuidora Andina S.A.",  # the supplier's account step
        "Ferretería El Tornillo Cía. Ltda.",
    ],
    "en": [
        "it has 1 error in 1 row.",
        "(also in row 3)",
        "The activation code sent to ventas@andina.example will",
        "Distribuidora Andina S.A.",
        "Ferretería El Tornillo Cía. Ltda.",
    ],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_email_reads_right(world, language, english_only):
    emails = []
    for invitation in world["invitations"]:
        invitation.language = language
        emails += [invitation_email(invitation), reminder_email(invitation)]
    reset = issue_reset(user=User.objects.get(email="alice@acme.example"), language=language)
    emails.append(reset_email(reset))
    assert {e.template for e in emails} >= {
        "activation",
        "registration",
        "supplier-code",
        "reminder",
        "password-reset",
    }
    problems = []
    for email in emails:
        with translation.override(language):
            rendered = message(dataclasses.replace(email, language=language))
        html = rendered.alternatives[0][0] if rendered.alternatives else ""
        for part, text in [
            ("subject", rendered.subject),
            ("text", rendered.body),
            ("html", visible_text(html)),
        ]:
            problems += [
                f"{email.template} {part}: {p}" for p in wording_defects(text, language, english_only)
            ]
    assert problems == [], "\n".join(problems)


def test_the_checks_find_each_defect(english_only):
    assert wording_defects("Lo usará en nombre de Cía. Ltda..", "es", english_only)
    assert wording_defects("hasta las 5 p. m..", "es", english_only)
    for wrong in ["(filas 3)", "1 error en 1 filas", "tiene 1 errores", "2 fila", "(rows 3, 4)"]:
        assert wording_defects(wrong, "es", english_only), wrong
    assert wording_defects("Revoke this invitation?", "es", english_only)
    assert not wording_defects("1 error en 1 fila… (también en las filas 3, 4)", "es", english_only)
    assert not wording_defects("Distribuidora Andina S.A. · 2 errores en 12 filas", "es", english_only)
