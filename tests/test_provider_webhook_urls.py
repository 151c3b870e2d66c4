"""Only the configured email provider's bounce webhook is routed: the others' views would answer
server errors without their optional packages, and nobody is meant to call them."""

import pytest
from django.urls import Resolver404, resolve

from enlace.lib.env import email_provider, email_settings
from enlace.urls import provider_webhook_urls


def test_the_provider_comes_from_the_email_url():
    assert email_provider("anymail://postmark") == "postmark"
    assert (
        email_settings("anymail://amazon_ses")["EMAIL_BACKEND"] == "anymail.backends.amazon_ses.EmailBackend"
    )
    assert email_provider("smtp+tls://user:pass@smtp.example.com") == ""
    assert email_provider("mailbox://") == ""


def test_only_that_providers_tracking_webhook_is_mounted():
    [include] = provider_webhook_urls("sendgrid")
    assert [str(p.pattern) for p in include.url_patterns] == ["sendgrid/tracking/"]
    assert provider_webhook_urls("") == []
    assert provider_webhook_urls("no_such_provider") == []


def test_the_test_settings_route_postmark_and_nothing_else():
    assert resolve("/mail/provider/postmark/tracking/").url_name == "postmark_tracking_webhook"
    for path in [
        "/mail/provider/postmark/inbound/",
        "/mail/provider/sendgrid/tracking/",
        "/mail/provider/amazon_ses/tracking/",
        "/mail/provider/sparkpost/tracking/",
        "/mail/provider/mailgun/inbound_mime/",
        "/mail/provider/mandrill/",
    ]:
        with pytest.raises(Resolver404):
            resolve(path)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_providers_webhook_is_a_404(client, method):
    response = getattr(client, method)("/mail/provider/amazon_ses/tracking/")
    assert response.status_code == 404
