"""A supplier submits its profile to each buyer; the buyer's admins approve it, reject it with a
reason or ask for changes field by field; the company's people are told by email and resubmit."""

import itertools

import pytest
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from enlace.audit.models import AuditEvent
from enlace.lib.errors import DomainError
from enlace.profiles import review_lifecycle, reviews
from enlace.profiles.models import ProfileReview, ProfileVersion
from tests.conftest import run_worker
from tests.profiles.conftest import browser_of
from tests.profiles.helpers import bank_account, post_company, post_items
from tests.profiles.reviewing import approve, ask_changes, reject, submit

State = ProfileReview.State


@pytest.fixture
def filled(rosa_client, steel):
    post_company(rosa_client)
    post_items(rosa_client, "bank_accounts", [bank_account()])
    return steel


@pytest.fixture
def submitted(rosa_client, acme, filled):
    submit(rosa_client, acme)
    return filled


def state_at(organization, partner):
    return reviews.review_of(organization=organization, company=partner.company).state


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_the_moves_are_declared_once_for_every_state():
    expected = {
        "submit": {State.DRAFT, State.CHANGES_REQUESTED, State.REJECTED},
        "approve": {State.SUBMITTED},
        "reject": {State.SUBMITTED},
        "request_changes": {State.SUBMITTED},
        "reopen": {State.APPROVED},
    }
    for move, state in itertools.product(expected, State.values):
        review = ProfileReview(state=state)
        if state in expected[move]:
            review_lifecycle.move(review, move)
            assert review.state == review_lifecycle.MOVES[move][1]
        else:
            with pytest.raises(review_lifecycle.NotAllowed):
                review_lifecycle.move(review, move)
            assert review.state == state


@pytest.mark.django_db
def test_a_supplier_submits_its_latest_version_to_one_buyer(
    rosa_client, acme, initech, steel_at_initech, filled
):
    page = rosa_client.get(reverse("profiles:overview")).content.decode()
    assert "Enviar a Acme S.A." in page and "Enviar a Initech S.A." in page
    response = submit(rosa_client, acme)
    assert response.url == reverse("profiles:buyer_review", args=[acme.pk])
    review = ProfileReview.objects.get(organization=acme, company=filled.company)
    assert (review.state, review.version.number) == (State.SUBMITTED, 2)
    assert state_at(initech, steel_at_initech) == State.DRAFT  # each buyer on its own
    event = AuditEvent.objects.get(action=AuditEvent.Action.PROFILE_SUBMITTED)
    assert (event.organization, event.partner, event.actor.email) == (acme, filled, "rosa@aceros.example")
    page = rosa_client.get(reverse("profiles:buyer_review", args=[acme.pk])).content.decode()
    assert "Enviado para revisión" in page and "Enviar a Acme" not in page


@pytest.mark.django_db
def test_the_buyers_admins_are_told_of_each_submission_in_their_language(
    rosa_client, alice_client, acme, bob, filled
):
    from tests.conftest import make_staff

    mario = make_staff("mario@acme.example", acme)
    mario.language = "en"
    mario.save()
    run_worker()  # the bank change's notices
    mail.outbox.clear()
    submit(rosa_client, acme)
    run_worker()
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["alice@acme.example", "mario@acme.example"]  # admins, not bob
    spanish, english = by_address["alice@acme.example"], by_address["mario@acme.example"]
    assert spanish.subject == "Aceros del Sur envió su perfil para su revisión"
    assert "Aceros del Sur envió a Acme S.A. la versión 2 del perfil de su empresa." in spanish.body
    assert f"https://enlace.test/suppliers/{filled.pk}/profile/" in spanish.body
    assert english.subject == "Aceros del Sur submitted its profile for your review"

    ask_changes(alice_client, filled, **{"company.city": "Falta el cantón"})
    post_company(rosa_client, city="Cuenca")
    run_worker()
    mail.outbox.clear()
    submit(rosa_client, acme)
    run_worker()
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects["alice@acme.example"] == "Aceros del Sur corrigió su perfil y lo envió de nuevo"
    assert "Hizo los cambios que su organización pidió." in mail.outbox[0].body


@pytest.mark.django_db
def test_an_empty_profile_or_a_second_submission_is_refused_with_a_message(rosa_client, acme, steel):
    response = submit(rosa_client, acme)
    assert "Complete el perfil antes de enviarlo." in messages_of(rosa_client.get(response.url))
    assert not ProfileReview.objects.filter(state=State.SUBMITTED).exists()
    post_company(rosa_client)
    submit(rosa_client, acme)
    response = submit(rosa_client, acme)
    assert "El perfil ya está enviado a este comprador o aprobado por él." in messages_of(
        rosa_client.get(response.url)
    )
    assert ProfileReview.objects.get().steps.count() == 1


@pytest.mark.django_db
def test_approving_a_draft_is_refused_with_a_message(alice_client, filled):
    response = approve(alice_client, filled)
    assert "Solo se puede aprobar un perfil enviado." in messages_of(alice_client.get(response.url))
    with pytest.raises(DomainError) as refused:
        reviews.reject_profile(organization=filled.organization, company=filled.company, by=None, reason="x")
    assert refused.value.code == "not_allowed_in_state"
    assert not ProfileReview.objects.filter(state=State.APPROVED).exists()


@pytest.mark.django_db
def test_an_admin_approves_and_every_person_of_the_company_is_told_in_their_language(
    alice_client, acme, tom, submitted
):
    run_worker()  # the bank change's notices
    mail.outbox.clear()
    response = approve(alice_client, submitted)
    assert "Se aprobó el perfil." in messages_of(alice_client.get(response.url))
    assert state_at(acme, submitted) == State.APPROVED
    assert DBTaskResult.objects.filter(status="READY").count() == 2  # queued with the approval
    run_worker()
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["rosa@aceros.example", "tom@aceros.example"]
    assert by_address["rosa@aceros.example"].subject == "Acme S.A. aprobó el perfil de su empresa"
    assert by_address["tom@aceros.example"].subject == "Acme S.A. approved your company profile"
    assert f"https://enlace.test/company-profile/buyers/{acme.pk}/" in by_address["rosa@aceros.example"].body
    page = alice_client.get(reverse("profiles:supplier_profile", args=[submitted.pk])).content.decode()
    assert "Aprobado" in page and "alice@acme.example" in page  # in the timeline


@pytest.mark.django_db
def test_a_rejection_needs_a_reason_which_the_company_reads(alice_client, rosa_client, acme, submitted):
    run_worker()  # the bank change's notice
    mail.outbox.clear()
    response = reject(alice_client, submitted, "   ")
    assert "Indique por qué se rechaza el perfil." in messages_of(alice_client.get(response.url))
    assert state_at(acme, submitted) == State.SUBMITTED
    assert not DBTaskResult.objects.filter(status="READY").exists()  # nothing queued
    reject(alice_client, submitted, "El RUC no coincide con el SRI")
    assert state_at(acme, submitted) == State.REJECTED
    run_worker()
    [message] = mail.outbox
    assert "Motivo: El RUC no coincide con el SRI" in message.body
    page = rosa_client.get(reverse("profiles:buyer_review", args=[acme.pk])).content.decode()
    assert "Rechazado" in page and "El RUC no coincide con el SRI" in page
    assert "Enviar a Acme S.A." in page  # corrected, it may be sent again


@pytest.mark.django_db
def test_changes_are_requested_field_by_field_then_the_supplier_corrects_and_resubmits(
    alice_client, rosa_client, acme, submitted
):
    changes_url = reverse("profiles:review_changes", args=[submitted.pk])
    assert "Cuentas bancarias" in alice_client.get(changes_url).content.decode()
    response = ask_changes(alice_client, submitted)
    assert response.status_code == 200
    assert "Comente al menos un campo para pedir cambios." in response.content.decode()
    assert state_at(acme, submitted) == State.SUBMITTED
    run_worker()  # the bank change's notice
    mail.outbox.clear()
    ask_changes(
        alice_client,
        submitted,
        **{"company.legal_name": "Falta S.A.", "bank_accounts": "Adjunte la cuenta en USD"},
    )
    assert state_at(acme, submitted) == State.CHANGES_REQUESTED
    run_worker()
    [message] = mail.outbox
    assert message.subject == "Acme S.A. pide cambios en el perfil de su empresa"
    assert (
        "Razón social: Falta S.A." in message.body
        and "Cuentas bancarias: Adjunte la cuenta en USD" in message.body
    )
    page = rosa_client.get(reverse("profiles:buyer_review", args=[acme.pk])).content.decode()
    assert "Campos por corregir" in page and "Adjunte la cuenta en USD" in page
    post_company(rosa_client, legal_name="Aceros del Sur S.A.S.")
    submit(rosa_client, acme)
    review = ProfileReview.objects.get(organization=acme)
    assert (review.state, review.version.number) == (State.SUBMITTED, 3)
    assert [step.action for step in reviews.timeline(review)] == [
        "submitted",
        "changes_requested",
        "submitted",
    ]
    approve(alice_client, submitted)
    assert state_at(acme, submitted) == State.APPROVED


@pytest.mark.django_db
def test_an_unknown_field_or_an_overlong_comment_is_refused(acme, alice, submitted):
    with pytest.raises(DomainError) as refused:
        reviews.request_changes(
            organization=acme, company=submitted.company, by=alice, comments={"nope": "x"}
        )
    assert refused.value.code == "unknown_fields"
    with pytest.raises(DomainError) as refused:
        reviews.request_changes(
            organization=acme, company=submitted.company, by=alice, comments={"contacts": "x" * 2001}
        )
    assert refused.value.code == "too_long"
    assert state_at(acme, submitted) == State.SUBMITTED


@pytest.mark.django_db
def test_a_critical_change_sends_the_approval_back_to_review_and_tells_the_admins(
    alice_client, rosa_client, acme, bob, initech, steel_at_initech, submitted
):
    approve(alice_client, submitted)
    run_worker()
    mail.outbox.clear()
    post_company(rosa_client, city="Cuenca")  # not critical: the approval stays
    assert state_at(acme, submitted) == State.APPROVED
    assert not mail.outbox or all("revis" not in m.subject for m in mail.outbox)
    post_items(rosa_client, "bank_accounts", [bank_account(number="2100999988")])
    review = ProfileReview.objects.get(organization=acme)
    assert (review.state, review.version.number) == (State.SUBMITTED, 4)
    assert review.steps.last().fields == ["bank_accounts"]
    assert state_at(initech, steel_at_initech) == State.DRAFT  # it never approved: nothing to reopen
    mail.outbox.clear()
    run_worker()
    to_admins = [message for message in mail.outbox if message.to == ["alice@acme.example"]]
    assert [message.subject for message in to_admins] == [
        "El perfil de Aceros del Sur necesita su revisión de nuevo"
    ]
    assert "cambió sus cuentas bancarias desde que lo aprobó" in to_admins[0].body
    assert not any(message.to == ["bob@acme.example"] for message in mail.outbox)  # admins only
    # The tax regime is critical too.
    approve(alice_client, submitted)
    post_company(rosa_client, city="Cuenca", tax_regime="RIMPE")
    assert state_at(acme, submitted) == State.SUBMITTED


@pytest.mark.django_db
def test_the_buyer_reads_what_changed_since_the_version_it_approved(
    alice_client, rosa_client, acme, submitted
):
    url = reverse("profiles:supplier_profile", args=[submitted.pk])
    assert "Qué cambió desde la versión aprobada" not in alice_client.get(url).content.decode()
    approve(alice_client, submitted)
    post_company(rosa_client, city="Cuenca")
    page = alice_client.get(url).content.decode()
    assert "?since=2" in page and "Qué cambió desde la versión aprobada" in page
    # Sent back to review by a critical change, it still compares with the version approved.
    post_items(rosa_client, "bank_accounts", [bank_account(number="2100999988")])
    page = alice_client.get(url).content.decode()
    assert state_at(acme, submitted) == State.SUBMITTED
    assert "?since=2" in page and "Campos críticos cambiados: Cuentas bancarias" in page


@pytest.mark.django_db
def test_a_member_reads_the_review_but_cannot_decide(bob, acme, submitted):
    browser = browser_of(bob)
    page = browser.get(reverse("profiles:supplier_profile", args=[submitted.pk])).content.decode()
    assert "Enviado para revisión" in page and "Aprobar" not in page
    assert approve(browser, submitted).status_code == 403
    assert reject(browser, submitted, "no").status_code == 403
    assert ask_changes(browser, submitted, contacts="x").status_code == 403
    assert browser.get(reverse("profiles:review_changes", args=[submitted.pk])).status_code == 403
    assert state_at(acme, submitted) == State.SUBMITTED
    with pytest.raises(DomainError) as refused:
        reviews.approve_profile(organization=acme, company=submitted.company, by=bob)
    assert refused.value.code == "admins_only"


@pytest.mark.django_db
def test_nobody_else_reaches_a_review(
    acme, globex, charlie, luis, customer, rosa_client, alice_client, submitted
):
    """Another buyer's admin, another supplier's person and a customer's user: 404 on every new
    URL, and nothing changes."""
    from enlace.accounts.models import User

    customer_user = User.objects.create_user(
        username="0102030405",
        email="ana@tornillo.example",
        password="x",
        profile=User.Profile.CUSTOMER,
        organization=acme,
        partner=customer,
        status=User.Status.READY,
    )
    buyer_urls = [
        reverse("profiles:review_approve", args=[submitted.pk]),
        reverse("profiles:review_reject", args=[submitted.pk]),
        reverse("profiles:review_changes", args=[submitted.pk]),
    ]
    supplier_urls = [
        reverse("profiles:buyer_review", args=[acme.pk]),
        reverse("profiles:submit_to_buyer", args=[acme.pk]),
    ]
    for who, browser in {
        "another buyer's admin": browser_of(charlie),
        "another supplier's person": browser_of(luis),
        "a customer's user": browser_of(customer_user),
    }.items():
        for url in buyer_urls:
            assert browser.post(url, {"reason": "x", "contacts": "x"}).status_code == 404, (who, url)
            assert browser.get(url).status_code in (404, 405), (who, url)
        assert browser.get(reverse("profiles:supplier_profile", args=[submitted.pk])).status_code == 404, who
    for browser in (browser_of(charlie), browser_of(customer_user)):
        for url in supplier_urls:
            assert browser.post(url).status_code == 404
    # Another supplier's person reads and submits only their own company's review.
    page = browser_of(luis).get(supplier_urls[0]).content.decode()
    assert "Aceros" not in page
    # A buyer that does not have the company as supplier is not one of its buyers.
    assert rosa_client.get(reverse("profiles:buyer_review", args=[globex.pk])).status_code == 404
    assert submit(rosa_client, globex).status_code == 404
    # A customer is no supplier: the buyer's own admin gets 404 on its review URLs.
    assert approve(alice_client, customer).status_code == 404
    assert ProfileReview.objects.get().state == State.SUBMITTED
    assert ProfileVersion.objects.filter(company=submitted.company).count() == 2


@pytest.mark.django_db
def test_review_pages_answer_posts_only_with_csrf(rosa, acme, filled):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(rosa)
    assert submit(browser, acme).status_code == 403
    assert not ProfileReview.objects.exists()
