"""The migration to one account per person carries the existing users over: everyone who
accepted an invitation (and every staff user) keeps signing in as before, with an account of
their own; people still pending get theirs when they accept."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0004_portal_user_manager")]
AFTER = [("accounts", "0005_accounts_across_organizations")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_users_get_their_accounts():
    try:
        apps = migrate(BEFORE)
        Organization = apps.get_model("organizations", "Organization")
        User = apps.get_model("accounts", "User")
        acme = Organization.objects.create(slug="acme", name="Acme", country="EC")
        User.objects.create(username="alice@acme.example", email="Alice@Acme.example", password="x")
        User.objects.create(
            username="0912345678",
            email="ana@cliente.example",
            organization=acme,
            status="ready",
            password="y",
        )
        User.objects.create(
            username="luis@cliente.example",
            email="luis@cliente.example",
            organization=acme,
            status="pending_activation",
            password="!",
        )

        apps = migrate(AFTER)
        User = apps.get_model("accounts", "User")
        accounts = dict(User.objects.values_list("username", "account__email"))
        assert accounts == {
            "alice@acme.example": "alice@acme.example",
            "0912345678": "ana@cliente.example",
            "luis@cliente.example": None,
        }
        # The passwords are untouched: each signs in as before.
        assert dict(User.objects.values_list("username", "password"))["0912345678"] == "y"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
