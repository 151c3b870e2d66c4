import pytest

from enlace.lib.env import cache_settings, email_settings


def test_smtp_with_starttls_and_credentials():
    s = email_settings("smtp+tls://mailer%40acme.example:p%40ss@smtp.acme.example:2525")
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"]) == ("smtp.acme.example", 2525)
    assert (s["EMAIL_HOST_USER"], s["EMAIL_HOST_PASSWORD"]) == ("mailer@acme.example", "p@ss")
    assert s["EMAIL_USE_TLS"] and not s["EMAIL_USE_SSL"]


def test_smtps_and_plain_smtp_default_ports():
    assert email_settings("smtps://smtp.example")["EMAIL_PORT"] == 465
    assert email_settings("smtps://smtp.example")["EMAIL_USE_SSL"]
    assert email_settings("smtp://localhost")["EMAIL_PORT"] == 25


def test_mailbox_and_console():
    assert email_settings("mailbox://")["EMAIL_BACKEND"] == "enlace.mail.backends.MailboxBackend"
    assert email_settings("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_unknown_schemes_are_refused():
    with pytest.raises(ValueError, match="ENLACE_EMAIL_URL"):
        email_settings("pigeon://coop")
    with pytest.raises(ValueError, match="ENLACE_CACHE_URL"):
        cache_settings("memcached://x")


def test_redis_cache():
    assert cache_settings("redis://127.0.0.1:6379/1")["BACKEND"].endswith("RedisCache")
