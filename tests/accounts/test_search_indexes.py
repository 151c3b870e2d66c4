"""The Portal users' search reads its index on PostgreSQL."""

from enlace.accounts.models import User
from enlace.accounts.selectors import filter_users, organization_users
from tests.search_plans import committing, plan_of, postgresql_only


@postgresql_only
@committing
def test_the_search_by_name_email_or_username_reads_its_index(acme, alice, customer):
    User.objects.bulk_create(
        User(
            username=f"persona{n}@tornillo.example",
            email=f"persona{n}@tornillo.example",
            first_name=f"Persona {n}",
            profile=User.Profile.CUSTOMER,
            organization=acme,
            partner=customer,
        )
        for n in range(10_000)
    )
    plan = plan_of(filter_users(organization_users(acme), query="persona77"))
    assert "user_search_trgm_idx" in plan, plan
    assert filter_users(organization_users(acme), query="PERSONA2999@").count() == 1
