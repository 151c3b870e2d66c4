"""The profile's pages and its email read right in Spanish: no English left on them (the checks
of tests/i18n/test_rendered_wording.py), with every section filled and a masked history."""

import pytest
from django.urls import reverse

from enlace.mail.rendering import message
from enlace.profiles.models import ProfileVersion
from enlace.profiles.services import bank_change_notice
from tests.i18n.test_rendered_wording import english_only_words, visible_text, wording_defects
from tests.profiles.conftest import browser_of
from tests.profiles.helpers import bank_account, contact, post_company, post_items


@pytest.mark.django_db
def test_the_profile_pages_and_email_have_no_english_in_spanish(rosa, bob, alice_client, steel):
    english_only = english_only_words()
    rosa_client = browser_of(rosa)
    post_company(rosa_client)
    post_items(rosa_client, "contacts", [contact()])
    post_items(rosa_client, "bank_accounts", [bank_account(account_type="savings")])
    post_items(rosa_client, "bank_accounts", [bank_account(number="2100999988", DELETE="on")])
    own = [f"profiles:{name}" for name in ("overview", "edit_company", "edit_contacts", "edit_bank_accounts")]
    buyer = reverse("profiles:supplier_profile", args=[steel.pk])
    pages = [(rosa_client, reverse(name)) for name in own]
    pages += [
        (alice_client, buyer),
        (alice_client, buyer + "?since=1"),
        (browser_of(bob), buyer + "?since=1"),
    ]
    problems = []
    for browser, path in pages:
        response = browser.get(path)
        assert response.status_code == 200, path
        problems += [
            f"{path}: {p}"
            for p in wording_defects(visible_text(response.content.decode()), "es", english_only)
        ]
    email = message(bank_change_notice(ProfileVersion.objects.get(number=3), rosa))
    text = email.subject + "\n" + email.body
    problems += [f"email: {p}" for p in wording_defects(text, "es", english_only)]
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_the_review_pages_and_emails_have_no_english_in_spanish(rosa, bob, alice, alice_client, acme, steel):
    from enlace.profiles import reviews
    from enlace.profiles.models import ReviewStep
    from enlace.profiles.questionnaires import publish_question
    from tests.profiles.files import upload
    from tests.profiles.reviewing import ask_changes, submit

    english_only = english_only_words()
    rosa_client = browser_of(rosa)
    post_company(rosa_client)
    post_items(rosa_client, "bank_accounts", [bank_account()])
    # A file question answered: the file input shows the file, a box to clear it, another file.
    question = publish_question(organization=acme, by=alice, text="Certificado ISO 9001", kind="file")
    rosa_client.post(reverse("profiles:answer_questions", args=[acme.pk]), {str(question.key): upload()})
    submit(rosa_client, acme)
    ask_changes(alice_client, steel, **{"company.city": "Falta el cantón", "bank_accounts": "Otra cuenta"})
    submit(rosa_client, acme)
    reviews.approve_profile(organization=acme, company=steel.company, by=alice)
    post_items(rosa_client, "bank_accounts", [bank_account(number="2100999988")])  # back to review
    buyer = reverse("profiles:supplier_profile", args=[steel.pk])
    pages = [
        (rosa_client, reverse("profiles:overview")),
        (rosa_client, reverse("profiles:buyer_review", args=[acme.pk])),
        (alice_client, buyer),
        (alice_client, reverse("profiles:review_changes", args=[steel.pk])),
        (browser_of(bob), buyer),
    ]
    problems = []
    for browser, path in pages:
        response = browser.get(path)
        assert response.status_code == 200, path
        problems += [
            f"{path}: {p}"
            for p in wording_defects(visible_text(response.content.decode()), "es", english_only)
        ]
    emails = [
        reviews.decision_notice(step, rosa)
        for step in ReviewStep.objects.exclude(action__in=["submitted", "reopened"])
    ]
    emails.append(reviews.reopened_notice(ReviewStep.objects.get(action="reopened"), alice))
    for step in ReviewStep.objects.filter(action="submitted"):
        emails += [reviews.submitted_notice(step, alice, resubmitted=again) for again in (False, True)]
    for email in emails:
        built = message(email)
        problems += [
            f"email: {p}" for p in wording_defects(built.subject + "\n" + built.body, "es", english_only)
        ]
    assert problems == [], "\n".join(problems)
