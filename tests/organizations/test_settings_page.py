import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape


@pytest.mark.django_db
def test_an_admin_sets_link_lifetime_reminders_and_sending_rate(alice_client, acme):
    response = alice_client.post(
        reverse("settings"),
        {
            "name": "Acme Ecuador S.A.",
            "language": "en",
            "time_zone": "America/Bogota",
            "activation_style": "link_only",
            "link_lifetime_hours": 72,
            "code_lifetime_days": 15,
            "reminder_hours_before_expiry": 12,
            "mail_rate_per_minute": 300,
        },
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.name, acme.language, acme.activation_style) == ("Acme Ecuador S.A.", "en", "link_only")
    assert (acme.link_lifetime_hours, acme.code_lifetime_days) == (72, 15)
    assert (acme.reminder_hours_before_expiry, acme.mail_rate_per_minute) == (12, 300)
    assert acme.time_zone == "America/Bogota"


def test_an_organization_starts_with_its_country_s_usual_time_zone(acme, globex):
    assert (acme.time_zone, globex.time_zone) == ("America/Guayaquil", "America/Bogota")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("es", "“Mars/Olympus” no es una zona horaria. Elija una de la lista, como America/Bogota."),
        ("en", "“Mars/Olympus” is not a time zone. Choose one from the list, such as America/Bogota."),
    ],
)
def test_an_unknown_time_zone_is_refused_in_the_reader_s_language(alice_client, acme, language, message):
    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = alice_client.post(
        reverse("settings"),
        {
            "name": "Acme",
            "language": "es",
            "time_zone": "Mars/Olympus",
            "activation_style": "temporary_password",
            "link_lifetime_hours": 48,
            "code_lifetime_days": 30,
            "reminder_hours_before_expiry": 24,
        },
    )
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    acme.refresh_from_db()
    assert acme.time_zone == "America/Guayaquil"


@pytest.mark.django_db
def test_a_lifetime_of_zero_is_refused_with_a_message(alice_client, acme):
    response = alice_client.post(
        reverse("settings"),
        {
            "name": "Acme",
            "language": "es",
            "time_zone": "America/Guayaquil",
            "activation_style": "temporary_password",
            "link_lifetime_hours": 0,
            "code_lifetime_days": 30,
            "reminder_hours_before_expiry": 24,
        },
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    acme.refresh_from_db()
    assert acme.link_lifetime_hours == 48


@pytest.mark.django_db
def test_members_cannot_change_settings(client, bob):
    client.force_login(bob)
    assert client.get(reverse("settings")).status_code == 403
