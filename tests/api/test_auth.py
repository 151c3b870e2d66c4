import pytest
from django.urls import reverse

from enlace.api.keys import create_api_key, revoke_api_key
from enlace.api.models import ApiKey
from tests.api.conftest import ApiClient, error_of


@pytest.mark.django_db
def test_a_request_without_a_key_is_refused(acme):
    error = error_of(ApiClient(None).get("/customers"), 401)
    assert error["code"] == "unauthorized"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header", ["Bearer enl_not-a-real-key", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "Bearer x" * 300]
)
def test_an_unknown_or_malformed_key_is_refused(acme, acme_key, header):
    response = ApiClient(None).get("/customers", HTTP_AUTHORIZATION=header)
    assert error_of(response, 401)["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
def test_a_revoked_key_stops_working_at_once(acme, alice):
    api_key, key = create_api_key(organization=acme, name="ERP", by=alice)
    assert ApiClient(key).get("/customers").status_code == 200
    revoke_api_key(api_key=api_key)
    assert error_of(ApiClient(key).get("/customers"), 401)["code"] == "unauthorized"


@pytest.mark.django_db
def test_only_a_hash_of_the_key_is_stored_and_its_use_is_noted(acme, alice):
    api_key, key = create_api_key(organization=acme, name="ERP", by=alice)
    stored = ApiKey.objects.filter(pk=api_key.pk).values()[0]
    assert key not in str(stored) and key.startswith(api_key.prefix) and len(key) > 40
    assert stored["last_used_at"] is None
    ApiClient(key).get("/customers")
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is not None


@pytest.mark.django_db
def test_an_admin_creates_a_key_sees_it_once_and_lists_only_its_prefix(alice_client, acme):
    page = alice_client.post(reverse("api:key_list"), {"name": "SAP producción"})
    assert page.status_code == 200
    api_key = ApiKey.objects.get(organization=acme)
    secret = page.context["secret"]
    assert secret in page.content.decode() and "No se volverá a mostrar" in page.content.decode()
    assert ApiClient(secret).get("/customers").status_code == 200

    listing = alice_client.get(reverse("api:key_list")).content.decode()
    assert "SAP producción" in listing and api_key.prefix in listing and secret not in listing


@pytest.mark.django_db
def test_revoking_asks_for_confirmation_first(alice_client, acme, alice):
    api_key, key = create_api_key(organization=acme, name="ERP", by=alice)
    confirm = alice_client.get(reverse("api:key_revoke", args=[api_key.pk]))
    assert confirm.status_code == 200 and "Revocar" in confirm.content.decode()
    assert ApiClient(key).get("/customers").status_code == 200  # a GET changes nothing

    assert alice_client.post(reverse("api:key_revoke", args=[api_key.pk])).status_code == 302
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is not None
    assert ApiClient(key).get("/customers").status_code == 401
    assert "Revocada" in alice_client.get(reverse("api:key_list")).content.decode()


@pytest.mark.django_db
def test_members_and_other_organizations_cannot_manage_keys(acme, alice, bob, charlie, client):
    api_key, _key = create_api_key(organization=acme, name="ERP", by=alice)
    client.force_login(bob)
    assert client.get(reverse("api:key_list")).status_code == 403
    client.force_login(charlie)
    assert client.post(reverse("api:key_revoke", args=[api_key.pk])).status_code == 404
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None


@pytest.mark.django_db
def test_the_settings_menu_links_to_api_keys_for_admins_only(alice_client, bob, client):
    assert reverse("api:key_list") in alice_client.get(reverse("home")).content.decode()
    client.force_login(bob)
    assert reverse("api:key_list") not in client.get(reverse("home")).content.decode()
