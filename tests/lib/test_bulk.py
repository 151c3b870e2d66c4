"""insert_rows: plain rows written as new model instances would be."""

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from enlace.accounts.models import User
from enlace.audit.models import AuditEvent
from enlace.lib.bulk import copies_in_background, insert_many, insert_rows
from enlace.partners.models import PartnerGroup


def test_rows_get_their_ids_in_order(acme):
    ids = insert_rows(User, [{"username": f"u{n}", "email": f"u{n}@x.example"} for n in range(3)])

    users = User.objects.in_bulk(ids)
    assert [users[pk].username for pk in ids] == ["u0", "u1", "u2"]


def test_a_field_left_out_takes_the_default_a_new_instance_would_have(acme):
    before = timezone.now()
    (pk,) = insert_rows(User, [{"username": "ana", "organization_id": acme.pk}])

    user, fresh = User.objects.get(pk=pk), User()
    fields = ["is_active", "is_staff", "portal_enabled", "must_change_password", "job_title", "status"]
    assert [getattr(user, f) for f in fields] == [getattr(fresh, f) for f in fields]
    assert user.organization == acme
    assert user.last_login is None
    assert before <= user.date_joined <= timezone.now()  # a callable default, called


def test_auto_now_times_are_set(acme):
    before = timezone.now()
    (pk,) = insert_rows(AuditEvent, [{"organization_id": acme.pk, "action": AuditEvent.Action.CREATED}])

    assert before <= AuditEvent.objects.get(pk=pk).created_at <= timezone.now()


def test_every_row_must_have_the_same_fields(acme):
    with pytest.raises(ValueError):
        insert_rows(User, [{"username": "a", "email": "a@x.example"}, {"username": "b"}])
    assert not User.objects.filter(username__in=["a", "b"]).exists()


def test_no_rows_write_nothing(db):
    assert insert_rows(User, []) == []


def test_objects_get_their_ids_in_order(acme):
    groups = insert_many(PartnerGroup(organization=acme, name=f"Zona {n}") for n in range(3))

    assert [g.pk for g in groups] == sorted(g.pk for g in groups)
    assert [PartnerGroup.objects.get(pk=g.pk).name for g in groups] == ["Zona 0", "Zona 1", "Zona 2"]
    assert not any(g._state.adding for g in groups)


@pytest.mark.postgres
def test_a_value_longer_than_its_column_is_refused_not_cut(acme):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce the length of a text column")
    with pytest.raises(DataError), transaction.atomic():
        insert_rows(User, [{"username": "ana", "phone": "9" * 31}])


def test_a_chunk_of_a_thousand_users_is_one_insert_on_sqlite(db):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL writes with COPY")
    statements = []
    connection.ensure_connection()
    connection.connection.set_trace_callback(statements.append)
    try:
        insert_rows(User, [{"username": f"u{n}", "email": f"u{n}@x.example"} for n in range(1000)])
    finally:
        connection.connection.set_trace_callback(None)

    assert len([sql for sql in statements if sql.startswith('INSERT INTO "accounts_user"')]) == 1
    assert User.objects.filter(username__startswith="u").count() == 1000


def _constraint_mode_is_deferred(cursor) -> bool:
    """Whether a foreign key written now is checked at commit (Django's INITIALLY DEFERRED)."""
    cursor.execute("SAVEPOINT probe")
    try:
        insert_rows(User, [{"username": "probe", "organization_id": -1}])
        cursor.execute("SELECT 1")  # waits for a COPY in the background
        return True
    except IntegrityError:
        return False
    finally:
        cursor.execute("ROLLBACK TO SAVEPOINT probe")


@pytest.mark.postgres
def test_rows_copied_in_the_background_are_there_for_the_next_query(acme):
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL copies in the background")
    with transaction.atomic(), copies_in_background(rows=2000):
        first = insert_rows(User, [{"username": f"u{n}", "email": f"u{n}@x.example"} for n in range(1000)])
        second = insert_rows(User, [{"username": f"v{n}", "email": f"v{n}@x.example"} for n in range(1000)])
        # An ORM query waits for the COPY still running.
        assert User.objects.filter(username__regex=r"^[uv]\d+$").count() == 2000

    assert first == sorted(first) and second == sorted(second) and first[-1] < second[0]
    assert User.objects.get(pk=second[-1]).username == "v999"


@pytest.mark.postgres
def test_an_error_of_a_background_copy_is_raised_as_djangos_and_nothing_stays(acme):
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL copies in the background")
    with pytest.raises(IntegrityError), transaction.atomic(), copies_in_background(rows=2):
        insert_rows(User, [{"username": "ana", "email": "ana@x.example"}])
        insert_rows(User, [{"username": "ana", "email": "other@x.example"}])  # username taken
    assert not User.objects.filter(username="ana").exists()


@pytest.mark.postgres
def test_a_foreign_key_is_checked_by_its_copy_and_deferred_again_afterwards(acme):
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL copies in the background")
    raised_by = []
    with pytest.raises(IntegrityError), transaction.atomic(), copies_in_background(rows=1):
        insert_rows(User, [{"username": "ana", "organization_id": acme.pk + 1000}])
        try:
            User.objects.count()
        except IntegrityError:
            raised_by.append("the next query")  # not the commit
            raise
    assert raised_by == ["the next query"]

    with transaction.atomic(), copies_in_background(rows=1), connection.cursor() as cursor:
        insert_rows(User, [{"username": "ana", "organization_id": acme.pk}])
        assert not _constraint_mode_is_deferred(cursor)
    with transaction.atomic(), connection.cursor() as cursor:
        assert _constraint_mode_is_deferred(cursor)
