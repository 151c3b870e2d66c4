"""The registration pages ask in the order people fill them: who they are, then the password with
its rules beside it, then the button."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.accounts.test_registration import import_person, open_link
from tests.accounts.test_supplier_registration import URL, enter
from tests.accounts.test_supplier_registration import invitation as supplier_invitation  # noqa: F401
from tests.conftest import run_worker
from tests.partners.suppliers import code_of


def fields_in_order(html: str) -> list[str]:
    """The names of the fields of the form with the password, and its button, in page order."""
    form = html[html.rindex("<form", 0, html.index('name="password1"')) :]
    form = form[: form.index("</form>")]
    return [
        m.group(1) or "button"
        for m in re.finditer(r'<(?:input|select|textarea)[^>]*name="([^"]+)"|<button type="submit"', form)
        if m.group(1) != "csrfmiddlewaretoken"
    ]


@pytest.mark.django_db
def test_the_customer_registration_asks_who_you_are_first(acme, customer, client):
    import_person(acme, customer)
    run_worker()
    open_link(client, mail.outbox[-1])
    page = client.get(reverse("accounts:register")).content.decode()
    assert fields_in_order(page) == [
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "customer",
        "language",
        "password1",
        "password2",
        "button",
    ]
    # The password's rules sit right under it, before the repeat field.
    assert page.index('id="id_password1_helptext"') < page.index('name="password2"')


@pytest.mark.django_db
def test_the_supplier_registration_asks_who_you_are_first(client, supplier_invitation):  # noqa: F811
    enter(client, code_of(supplier_invitation))
    page = client.get(URL).content.decode()
    assert fields_in_order(page)[:6] == [
        "first_name",
        "last_name",
        "email",
        "password1",
        "password2",
        "button",
    ]
    assert page.index('id="id_password1_helptext"') < page.index('name="password2"')
