"""Steps of a review as the browsers post them."""

from django.urls import reverse


def submit(browser, organization):
    return browser.post(reverse("profiles:submit_to_buyer", args=[organization.pk]))


def approve(browser, partner):
    return browser.post(reverse("profiles:review_approve", args=[partner.pk]))


def reject(browser, partner, reason):
    return browser.post(reverse("profiles:review_reject", args=[partner.pk]), {"reason": reason})


def ask_changes(browser, partner, **comments):
    return browser.post(reverse("profiles:review_changes", args=[partner.pk]), comments)
