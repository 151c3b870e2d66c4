"""Helpers shared by the supplier tests."""

from enlace.invitations.models import Invitation
from enlace.invitations.secrets import secret_of
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner


def add_supplier(organization, n, name=None, email="auto", groups=()):
    return create_partner(
        organization=organization,
        kind=Partner.Kind.SUPPLIER,
        tax_id=ec_ruc(n),
        name=name or f"Proveedor {n:03d}",
        email=f"ventas{n}@proveedor.example" if email == "auto" else email,
        groups=groups,
    )


def code_of(invitation: Invitation) -> str:
    invitation.refresh_from_db()
    return secret_of(invitation)
