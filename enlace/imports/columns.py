"""The columns of each import: canonical key, label in English and Spanish, required or not.

Headers are matched in either language whatever the page's language, so a file made from the
Spanish template loads for an English-speaking admin too. The Spanish label here must equal
the catalog's translation of the English one (a test checks it).
"""

import unicodedata
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # lazy, English msgid
    es: str
    required: bool = False
    max_length: int = 200
    width: int = 20
    example: str = ""
    aliases: tuple = field(default=())


def normalize_header(text) -> str:
    """Case, accents, surrounding spaces and the `*` marker do not matter."""
    text = unicodedata.normalize("NFKD", str(text or "")).replace("*", "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


TAX_ID_ALIASES = ("ruc", "nit", "rut", "cuit", "rfc", "identificacion", "identificacion fiscal", "id fiscal")
# The names each region of Latin America gives these columns, as ERPs export them.
PROVINCE_ALIASES = ("departamento", "estado", "region", "provincia", "state", "department")
CITY_ALIASES = ("municipio", "comuna", "localidad", "canton", "distrito", "town")
PHONE_ALIASES = ("celular", "movil", "telefono movil", "telefono celular", "mobile", "cell phone", "tel")
EMAIL_ALIASES = ("correo", "e-mail", "mail", "correo electronico", "email address", "e mail")
NAME_ALIASES = ("razon social", "nombre o razon social", "company name", "legal name")

CUSTOMERS = (
    Column("code", _("Code"), "Código", True, 50, 14, "C-0001", ("customer code", "codigo de cliente")),
    Column("tax_id", _("Tax ID"), "Identificación tributaria", True, 40, 18, "1790012344001", TAX_ID_ALIASES),
    Column("name", _("Name"), "Nombre", True, 200, 32, "Ferretería El Tornillo S.A.", NAME_ALIASES),
    Column("email", _("Email"), "Correo electrónico", False, 254, 28, "compras@example.com", EMAIL_ALIASES),
    Column("phone", _("Phone"), "Teléfono", False, 30, 18, "02 245 6789", PHONE_ALIASES),
    Column("address", _("Address"), "Dirección", False, 300, 32, "Av. Amazonas N34-12"),
    Column("city", _("City"), "Ciudad", False, 100, 16, "Quito", CITY_ALIASES),
    Column("province", _("Province"), "Provincia", False, 100, 16, "Pichincha", PROVINCE_ALIASES),
    Column("groups", _("Groups"), "Grupos", False, 1000, 22, "Mayoristas; Sierra"),
)

CUSTOMER_USERS = (
    Column(
        "customer_code",
        _("Customer code"),
        "Código de cliente",
        True,
        50,
        18,
        "C-0001",
        ("codigo", "code"),
    ),
    Column("first_name", _("First names"), "Nombres", True, 150, 22, "María José", ("first name", "nombre")),
    Column(
        "last_name", _("Last names"), "Apellidos", True, 150, 22, "Pérez Andrade", ("last name", "apellido")
    ),
    Column(
        "email",
        _("Email"),
        "Correo electrónico",
        True,
        150,  # imported people log in with their email: it must fit the 150-character username
        30,
        "maria.perez@example.com",
        EMAIL_ALIASES,
    ),
    Column("phone", _("Phone"), "Teléfono", False, 30, 18, "099 123 4567", PHONE_ALIASES),
)

SUPPLIERS = (
    Column("tax_id", _("Tax ID"), "Identificación tributaria", True, 40, 18, "1790012344001", TAX_ID_ALIASES),
    Column("name", _("Name"), "Nombre", True, 200, 32, "Distribuidora Andina S.A.", NAME_ALIASES),
    Column("description", _("Description"), "Descripción", False, 500, 30, "Materiales de construcción"),
    Column("address", _("Address"), "Dirección", False, 300, 30, "Av. 10 de Agosto N21-45"),
    Column("city", _("City"), "Ciudad", False, 100, 16, "Quito", CITY_ALIASES),
    Column("province", _("Province"), "Provincia", False, 100, 16, "Pichincha", PROVINCE_ALIASES),
    Column("phone", _("Phone"), "Teléfono", False, 30, 18, "02 222 3344", PHONE_ALIASES),
    Column("fax", _("Fax"), "Fax", False, 30, 16, ""),
    Column("email", _("Email"), "Correo electrónico", True, 254, 28, "ventas@example.com", EMAIL_ALIASES),
    Column("groups", _("Groups"), "Grupos", False, 1000, 22, "Nacionales"),
    Column("notify", _("Notify"), "Notificar", True, 1, 10, "1", ("invitar", "invite", "enviar invitacion")),
)

COLUMNS = {"customers": CUSTOMERS, "customer_users": CUSTOMER_USERS, "suppliers": SUPPLIERS}


def header_index(columns) -> dict:
    """Normalized header text -> column key, for every spelling a column answers to."""
    index = {}
    for column in columns:
        with translation.override(None):
            english = str(column.label)
        for spelling in (english, column.es, column.key.replace("_", " "), *column.aliases):
            index.setdefault(normalize_header(spelling), column.key)
    return index
