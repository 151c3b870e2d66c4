import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_an_admin_sets_link_lifetime_reminders_and_sending_rate(alice_client, acme):
    response = alice_client.post(
        reverse("settings"),
        {
            "name": "Acme Ecuador S.A.",
            "language": "en",
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


@pytest.mark.django_db
def test_a_lifetime_of_zero_is_refused_with_a_message(alice_client, acme):
    response = alice_client.post(
        reverse("settings"),
        {
            "name": "Acme",
            "language": "es",
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
