"""The questionnaire's pages read right in Spanish: the supplier's answering form (with a refused
answer and the missing required ones), the buyer's reading of the answers (one answered to an
older wording) and the request for changes with the questions among its fields."""

import pytest
from django.urls import reverse

from enlace.partners.models import PartnerGroup
from enlace.profiles import questionnaires
from tests.i18n.test_rendered_wording import english_only_words, visible_text, wording_defects
from tests.profiles.conftest import browser_of
from tests.profiles.helpers import post_company
from tests.profiles.reviewing import submit


@pytest.mark.django_db
def test_the_questionnaire_pages_have_no_english_in_spanish(rosa, bob, alice, alice_client, acme, steel):
    group = PartnerGroup.objects.create(organization=acme, name="Importadores")
    steel.groups.add(group)

    def publish(text, kind, **fields):
        return questionnaires.publish_question(organization=acme, by=alice, text=text, kind=kind, **fields)

    employees = publish("Número de empleados", "number", required=True)
    publish("Fecha de la última auditoría", "date", required=True)
    certified = publish("¿Tiene ISO 9001?", "yes_no", groups=[group])
    publish("Certificaciones", "choices", choices=["ISO 9001", "BASC"])
    publish("Tamaño", "one_choice", choices=["Pequeña", "Grande"])
    publish("Comentarios", "long_text")
    rosa_client = browser_of(rosa)
    post_company(rosa_client)
    rosa_client.post(reverse("profiles:answer_questions", args=[acme.pk]), {str(certified.key): "yes"})
    publish("¿Tiene ISO 9001 vigente?", "yes_no", groups=[group], key=certified.key)
    submit(rosa_client, acme)  # refused: two required questions unanswered
    refused = rosa_client.post(
        reverse("profiles:answer_questions", args=[acme.pk]), {str(employees.key): "x"}
    )
    assert refused.status_code == 400
    supplier_page = reverse("profiles:supplier_profile", args=[steel.pk])
    pages = [
        ("refused answers", refused),
        ("buyer review", rosa_client.get(reverse("profiles:buyer_review", args=[acme.pk]))),
        ("admin reads", alice_client.get(supplier_page)),
        ("member reads", browser_of(bob).get(supplier_page)),
        ("request changes", alice_client.get(reverse("profiles:review_changes", args=[steel.pk]))),
        ("questionnaire", alice_client.get(reverse("profiles:questionnaire"))),
        ("member's questionnaire", browser_of(bob).get(reverse("profiles:questionnaire"))),
    ]
    english_only = english_only_words()
    problems = []
    for name, response in pages:
        assert response.status_code in (200, 400), name
        text = visible_text(response.content.decode())
        problems += [f"{name}: {p}" for p in wording_defects(text, "es", english_only)]
    assert problems == [], "\n".join(problems)
    assert "Respondida a la versión 1" in visible_text(pages[2][1].content.decode())
    assert "Responda estas preguntas obligatorias" in visible_text(pages[1][1].content.decode())
