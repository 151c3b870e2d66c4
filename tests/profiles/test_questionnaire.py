"""Each buyer's supplier questionnaire: its admins publish questions, the supplier answers the
ones that buyer asks it before submitting, and the buyer reads the answers beside its review."""

import pytest
from django.urls import reverse

from enlace.accounts.models import User
from enlace.audit.models import AuditEvent
from enlace.lib.errors import DomainError
from enlace.partners.models import PartnerGroup
from enlace.profiles import questionnaires
from enlace.profiles.models import Answer, ProfileReview, Question
from tests.profiles.conftest import browser_of
from tests.profiles.helpers import post_company
from tests.profiles.reviewing import ask_changes, submit

Kind = Question.Kind


def publish(organization, by, text="¿Tiene certificación ISO 9001?", kind=Kind.YES_NO, **fields):
    return questionnaires.publish_question(organization=organization, by=by, text=text, kind=kind, **fields)


def answers_url(organization):
    return reverse("profiles:answer_questions", args=[organization.pk])


def save(organization, company, by, question, raw):
    return questionnaires.save_answers(
        organization=organization, company=company, by=by, raw={str(question.key): raw}
    )


def refusal(organization, company, by, question, raw) -> str:
    with pytest.raises(questionnaires.AnswerErrors) as refused:
        save(organization, company, by, question, raw)
    return str(refused.value.errors[str(question.key)])


@pytest.mark.django_db
def test_each_kind_of_answer_takes_only_what_it_should(acme, alice, steel, rosa):
    company = steel.company
    number = publish(acme, alice, "Empleados", Kind.NUMBER)
    date = publish(acme, alice, "Fecha de la última auditoría", Kind.DATE)
    one = publish(acme, alice, "Tamaño", Kind.ONE_CHOICE, choices=["Pequeña", "Mediana", "Grande"])
    several = publish(acme, alice, "Certificaciones", Kind.CHOICES, choices=["ISO 9001", "ISO 14001", "BASC"])
    yes_no = publish(acme, alice)
    short = publish(acme, alice, "Representante", Kind.SHORT_TEXT)

    assert refusal(acme, company, rosa, number, "muchos").startswith("Escriba un número")
    assert refusal(acme, company, rosa, number, "NaN").startswith("Escriba un número")
    assert refusal(acme, company, rosa, date, "31/03/2026").startswith("Escriba una fecha")
    assert refusal(acme, company, rosa, one, "Enorme") == "Elija entre las opciones dadas."
    assert (
        refusal(acme, company, rosa, several, ["ISO 9001", "Inventada"]) == "Elija entre las opciones dadas."
    )
    assert refusal(acme, company, rosa, yes_no, "quizás") == "Responda sí o no."
    assert refusal(acme, company, rosa, short, "x" * 301).startswith("Escriba como máximo")
    assert not Answer.objects.exists()  # nothing kept of a refused answer

    raw = {
        str(number.key): "1500,5",
        str(date.key): "2026-03-31",
        str(one.key): "Mediana",
        str(several.key): ["BASC", "ISO 9001"],
        str(yes_no.key): "yes",
        str(short.key): "  Rosa Pérez ",
    }
    questionnaires.save_answers(organization=acme, company=company, by=rosa, raw=raw)
    values = {a.key: a.value for a in Answer.objects.filter(company=company)}
    assert values == {
        number.key: "1500.5",
        date.key: "2026-03-31",
        one.key: "Mediana",
        several.key: ["ISO 9001", "BASC"],  # in the questionnaire's order
        yes_no.key: True,
        short.key: "Rosa Pérez",
    }
    # A blank answer takes the one given back.
    save(acme, company, rosa, short, "")
    assert not Answer.objects.filter(key=short.key).exists()
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.QUESTIONS_ANSWERED, organization=acme).count() == 2
    )


@pytest.mark.django_db
def test_a_choice_question_needs_options_and_an_unknown_kind_is_refused(acme, alice):
    with pytest.raises(DomainError) as refused:
        publish(acme, alice, "Tamaño", Kind.ONE_CHOICE, choices=["Sola"])
    assert refused.value.extra["field"] == "choices"
    with pytest.raises(DomainError):
        publish(acme, alice, "Firma", "signature")
    with pytest.raises(DomainError):
        publish(acme, alice, "   ")
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_an_edited_question_is_a_new_version_and_old_answers_keep_their_wording(
    acme, alice, alice_client, steel, rosa
):
    question = publish(acme, alice, "¿Tiene ISO 9001?")
    save(acme, steel.company, rosa, question, "yes")
    edited = publish(acme, alice, "¿Tiene ISO 9001 vigente?", Kind.YES_NO, key=question.key)
    assert edited.version == 2 and edited.key == question.key
    question.refresh_from_db()
    assert question.retired_at is not None
    answer = Answer.objects.get(key=question.key)
    assert answer.question == question and answer.question.text == "¿Tiene ISO 9001?"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.QUESTIONS_PUBLISHED).count() == 2
    page = alice_client.get(reverse("profiles:supplier_profile", args=[steel.pk])).content.decode()
    assert "¿Tiene ISO 9001 vigente?" in page and "¿Tiene ISO 9001?" in page  # asked now, and answered
    # Answering again points to the version published now.
    save(acme, steel.company, rosa, edited, "no")
    assert Answer.objects.get(key=question.key).question == edited
    # Publishing the same definition again makes no new version.
    assert publish(acme, alice, "¿Tiene ISO 9001 vigente?", Kind.YES_NO, key=question.key) == edited


@pytest.mark.django_db
def test_a_question_for_some_groups_is_asked_only_of_their_suppliers(acme, globex, alice, steel, luis):
    importers = PartnerGroup.objects.create(organization=acme, name="Importadores")
    for_importers = publish(
        acme, alice, "Número de licencia de importación", Kind.SHORT_TEXT, required=True, groups=[importers]
    )
    for_all = publish(acme, alice, "¿Tiene ISO 9001?")
    assert questionnaires.questions_for(organization=acme, company=steel.company) == [for_all]
    steel.groups.add(importers)
    assert questionnaires.questions_for(organization=acme, company=steel.company) == [for_importers, for_all]
    assert questionnaires.missing_required(organization=acme, company=steel.company) == [for_importers]
    maderas = luis.partner.company
    assert questionnaires.missing_required(organization=acme, company=maderas) == []
    # An answer to a question not asked of the company is ignored.
    questionnaires.save_answers(
        organization=acme, company=maderas, by=luis, raw={str(for_importers.key): "X-1"}
    )
    assert not Answer.objects.filter(company=maderas).exists()
    # Another organization's group cannot restrict a question.
    other = PartnerGroup.objects.create(organization=globex, name="Importadores")
    with pytest.raises(DomainError):
        publish(acme, alice, "Otra", groups=[other])


@pytest.mark.django_db
def test_submitting_waits_for_the_required_answers_of_that_buyer(
    acme, alice, rosa_client, steel, initech, steel_at_initech, tom
):
    required = publish(acme, alice, "Número de empleados", Kind.NUMBER, required=True)
    publish(acme, alice, "Comentarios", Kind.LONG_TEXT)  # optional
    post_company(rosa_client)
    response = submit(rosa_client, acme)
    assert not ProfileReview.objects.filter(organization=acme, state="submitted").exists()
    page = rosa_client.get(response.url).content.decode()
    assert "Número de empleados" in page and "Responda las preguntas obligatorias" in page
    # Initech asks nothing: the same profile goes to it.
    assert submit(rosa_client, initech).status_code == 302
    assert ProfileReview.objects.get(organization=initech).state == "submitted"

    refused = rosa_client.post(answers_url(acme), {str(required.key): "muchos"})
    assert refused.status_code == 400 and "Escriba un número" in refused.content.decode()
    answered = rosa_client.post(answers_url(acme), {str(required.key): "42"})
    assert answered.status_code == 302
    submit(rosa_client, acme)
    assert ProfileReview.objects.get(organization=acme).state == "submitted"


@pytest.mark.django_db
def test_the_list_of_buyers_counts_each_ones_unanswered_required_questions(
    acme, alice, rosa_client, steel, initech, steel_at_initech
):
    def unanswered() -> dict[str, str]:
        rows = rosa_client.get(reverse("profiles:overview")).content.decode().split("<tr>")[2:]
        return {
            buyer: (row.split('class="warning">')[1].split("<")[0] if "warning" in row else "")
            for row in rows
            for buyer in ("Acme S.A.", "Initech S.A.")
            if buyer in row
        }

    employees = publish(acme, alice, "Número de empleados", Kind.NUMBER, required=True)
    publish(acme, alice, "Fecha de fundación", Kind.DATE, required=True)
    publish(acme, alice, "Comentarios", Kind.LONG_TEXT)  # optional
    importers = PartnerGroup.objects.create(organization=acme, name="Importadores")
    publish(acme, alice, "Licencia de importación", Kind.FILE, required=True, groups=[importers])
    assert unanswered() == {"Acme S.A.": "2 preguntas obligatorias sin responder", "Initech S.A.": ""}
    steel.groups.add(importers)  # now asked the import licence too
    assert unanswered()["Acme S.A."] == "3 preguntas obligatorias sin responder"
    save(acme, steel.company, None, employees, "42")
    steel.groups.remove(importers)
    assert unanswered()["Acme S.A."] == "1 pregunta obligatoria sin responder"


@pytest.mark.django_db
def test_the_buyer_comments_on_an_answer_when_requesting_changes(
    acme, alice, alice_client, rosa_client, steel
):
    question = publish(acme, alice, "Número de empleados", Kind.NUMBER, required=True)
    post_company(rosa_client)
    rosa_client.post(answers_url(acme), {str(question.key): "42"})
    submit(rosa_client, acme)
    page = alice_client.get(reverse("profiles:supplier_profile", args=[steel.pk])).content.decode()
    assert "Número de empleados" in page and "42" in page
    form = alice_client.get(reverse("profiles:review_changes", args=[steel.pk])).content.decode()
    assert f'name="question.{question.key}"' in form
    ask_changes(alice_client, steel, **{f"question.{question.key}": "Cuente también a los temporales"})
    assert ProfileReview.objects.get(organization=acme).state == "changes_requested"
    review_page = rosa_client.get(reverse("profiles:buyer_review", args=[acme.pk])).content.decode()
    assert "<strong>Número de empleados</strong>: Cuente también a los temporales" in review_page


@pytest.mark.django_db
def test_admins_edit_the_questionnaire_members_read_it(acme, alice_client, bob):
    created = alice_client.post(
        reverse("profiles:add_question"),
        {"text": "Tamaño", "kind": "one_choice", "choices": "Pequeña\nGrande", "required": "on"},
    )
    assert created.status_code == 302
    question = Question.objects.get()
    assert question.required and question.choices == ["Pequeña", "Grande"]
    bad = alice_client.post(
        reverse("profiles:add_question"), {"text": "Tamaño 2", "kind": "one_choice", "choices": ""}
    )
    assert bad.status_code == 200 and "al menos dos opciones" in bad.content.decode()
    edited = alice_client.post(
        reverse("profiles:edit_question", args=[question.key]),
        {"text": "Tamaño de la empresa", "kind": "one_choice", "choices": "Pequeña\nGrande"},
    )
    assert edited.status_code == 302 and Question.objects.get(retired_at=None).version == 2

    member = browser_of(bob)
    assert "Tamaño de la empresa" in member.get(reverse("profiles:questionnaire")).content.decode()
    assert member.get(reverse("profiles:add_question")).status_code == 403
    assert member.get(reverse("profiles:edit_question", args=[question.key])).status_code == 403
    assert member.post(reverse("profiles:withdraw_question", args=[question.key])).status_code == 403
    assert member.post(reverse("profiles:add_question"), {"text": "X", "kind": "number"}).status_code == 403
    with pytest.raises(DomainError):
        publish(acme, bob, "X", Kind.NUMBER)
    assert Question.objects.filter(retired_at=None).count() == 1

    assert alice_client.post(reverse("profiles:withdraw_question", args=[question.key])).status_code == 302
    assert not Question.objects.filter(retired_at=None).exists()


@pytest.mark.django_db
def test_nobody_else_reaches_a_buyers_questions_or_a_companys_answers(
    acme, alice, charlie, luis, rosa, steel, customer
):
    question = publish(acme, alice, "Número de empleados", Kind.NUMBER)
    save(acme, steel.company, rosa, question, "42")
    other_admin = browser_of(charlie)
    # Another buyer's admin: its own (empty) questionnaire, 404 on Acme's question and on the profile.
    assert "Número de empleados" not in other_admin.get(reverse("profiles:questionnaire")).content.decode()
    assert other_admin.get(reverse("profiles:edit_question", args=[question.key])).status_code == 404
    assert other_admin.post(reverse("profiles:withdraw_question", args=[question.key])).status_code == 404
    assert other_admin.get(reverse("profiles:supplier_profile", args=[steel.pk])).status_code == 404
    # Another company's person: it answers only its own buyers, and never for Aceros.
    luis_browser = browser_of(luis)
    assert luis_browser.post(answers_url(acme), {str(question.key): "7"}).status_code == 302
    assert Answer.objects.get(company=steel.company).value == "42"
    assert luis_browser.post(answers_url(charlie.memberships.get().organization), {}).status_code == 404
    assert luis_browser.get(reverse("profiles:questionnaire")).status_code == 403  # staff pages
    assert luis_browser.get(reverse("profiles:supplier_profile", args=[steel.pk])).status_code == 404
    # A customer's person: no company profile, no questionnaire.
    person = User.objects.create_user(
        username="ana@tornillo.example",
        email="ana@tornillo.example",
        password="x",
        profile=User.Profile.CUSTOMER,
        organization=acme,
        partner=customer,
        status=User.Status.READY,
    )
    customer_browser = browser_of(person)
    assert customer_browser.post(answers_url(acme), {str(question.key): "1"}).status_code == 404
    assert customer_browser.get(reverse("profiles:buyer_review", args=[acme.pk])).status_code == 404
    assert customer_browser.get(reverse("profiles:questionnaire")).status_code == 403
    assert Answer.objects.get(company=steel.company).value == "42"


@pytest.mark.django_db
def test_a_supplier_of_another_buyer_cannot_answer_it(globex, charlie, tom, initech):
    question = publish(globex, charlie, "¿Exporta?")
    response = browser_of(tom).post(answers_url(globex), {str(question.key): "yes"})
    assert response.status_code == 404
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_the_api_reads_the_answers_for_the_keys_organization_only(
    acme, alice, globex, charlie, customer, steel, rosa
):
    from enlace.api.keys import create_api_key
    from tests.api.conftest import ApiClient

    asked = publish(acme, alice, "Número de empleados", Kind.NUMBER, required=True)
    unanswered = publish(acme, alice, "Comentarios", Kind.LONG_TEXT)
    save(acme, steel.company, rosa, asked, "42")
    publish(acme, alice, "Número de empleados fijos", Kind.NUMBER, required=True, key=asked.key)
    acme_api = ApiClient(create_api_key(organization=acme, name="ERP", by=alice)[1])
    response = acme_api.get(f"/suppliers/{steel.pk}/answers")
    assert response.status_code == 200
    body = {item["question"]: item for item in response.json()}
    answered = body[str(asked.key)]
    assert answered["text"] == "Número de empleados fijos" and answered["version"] == 2
    assert answered["answer"]["value"] == "42" and answered["answer"]["version"] == 1
    assert answered["answer"]["text"] == "Número de empleados"
    assert body[str(unanswered.key)]["answer"] is None
    globex_api = ApiClient(create_api_key(organization=globex, name="ERP", by=charlie)[1])
    assert globex_api.get(f"/suppliers/{steel.pk}/answers").status_code == 404
    assert acme_api.get(f"/suppliers/{customer.pk}/answers").status_code == 404
