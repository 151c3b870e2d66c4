"""A change to the bank accounts emails every registered person of the company, through a real
SMTP server, each in their language; other changes email nobody."""

from email.header import decode_header, make_header

import pytest

from enlace.accounts.models import User
from tests.conftest import run_worker
from tests.profiles.conftest import browser_of, make_supplier_person
from tests.profiles.helpers import bank_account, post_company, post_items


def text_of(message):
    return next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )


@pytest.mark.django_db
def test_every_person_of_the_company_is_told_in_their_language(smtp_server, rosa, tom, steel, luis):
    pending = make_supplier_person(steel, "nuevo@aceros.example", "Nuevo")
    pending.status = User.Status.PENDING_ACTIVATION
    pending.save()
    browser = browser_of(rosa)
    post_company(browser)
    run_worker()
    assert smtp_server.messages == []  # the company's data alone: no email
    post_items(browser, "bank_accounts", [bank_account()])
    run_worker()
    by_address = {message["To"]: message for message in smtp_server.messages}
    # Rosa and Tom (brought in by Initech, in English); not Luis (another supplier), nor a
    # person who has not activated their account.
    assert sorted(by_address) == ["rosa@aceros.example", "tom@aceros.example"]
    spanish, english = by_address["rosa@aceros.example"], by_address["tom@aceros.example"]
    assert (
        str(make_header(decode_header(spanish["Subject"])))
        == "Se cambiaron las cuentas bancarias de Aceros del Sur"
    )
    assert (
        str(make_header(decode_header(english["Subject"])))
        == "The bank accounts of Aceros del Sur were changed"
    )
    text = text_of(spanish)
    assert text.startswith("Hola Rosa:")
    assert "Rosa (rosa@aceros.example) cambió las cuentas bancarias del perfil de Aceros del Sur" in text
    assert "https://enlace.test/company-profile/" in text
    assert "2100123456" not in text  # the number itself never travels by email
    assert "changing the account a company is paid into is a common fraud" in text_of(english)


@pytest.mark.django_db
def test_the_emails_are_queued_with_the_change_and_not_without_it(rosa, tom, steel):
    from django_tasks_db.models import DBTaskResult

    browser = browser_of(rosa)
    post_items(browser, "bank_accounts", [bank_account(number="bad")])  # refused: nothing saved
    assert not DBTaskResult.objects.exists()
    post_items(browser, "bank_accounts", [bank_account()])
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db
def test_a_person_disabled_before_the_email_leaves_is_not_told(rosa, tom, steel):
    from django.core import mail

    post_items(browser_of(rosa), "bank_accounts", [bank_account()])
    tom.is_active = False
    tom.save()
    run_worker()
    assert [message.to for message in mail.outbox] == [["rosa@aceros.example"]]
