"""``scim_provisioning.prepared.insert``: the INSERT the ORM compiled once writes what
``Model.save()`` writes, for every row after the first, in one statement; what it cannot
follow (receivers, expressions, many rows) goes through the ORM."""

import uuid

import pytest
from django.db import IntegrityError, connection
from django.db.models import signals
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext

from scim_provisioning.models import SCIMEvent, SCIMUserEmail
from scim_provisioning.prepared import MAX_INSERT_ROWS, insert
from tests.factories import UserFactory


def _stored(obj) -> dict:
    fresh = type(obj).objects.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in obj._meta.concrete_fields}


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _event(organisation, n: int, **values) -> SCIMEvent:
    return SCIMEvent(organisation=organisation, action=f"user.test{n}", status_code=200 + n,
                     resource_type="User", resource_id=str(uuid.uuid4()), detail=f"é ' \" % {n}", **values)


@pytest.mark.django_db(transaction=True)
def test_every_insert_after_the_first_stores_what_the_instance_holds_in_one_statement(organisation):
    insert([_event(organisation, 0)])  # planned
    for n in (1, 2):
        event = _event(organisation, n, outcome=SCIMEvent.Outcome.FAILURE)
        with CaptureQueriesContext(connection) as ctx:
            (returned,) = insert([event])
        assert returned is event and event.pk is not None and not event._state.adding
        assert len(ctx.captured_queries) == 1 and ctx.captured_queries[0]["sql"].startswith("INSERT")
        assert _stored(event) == _fields(event)
    assert SCIMEvent.objects.filter(organisation=organisation, action__startswith="user.test").count() == 3


@pytest.mark.django_db(transaction=True)
def test_several_rows_keep_their_order_and_get_their_own_keys(organisation):
    link = UserFactory(organisation=organisation).scim_link
    link.emails.all().delete()
    emails = [SCIMUserEmail(scim_user=link, value=f"e{i}@example.com", type="work", primary=i == 0, position=i)
              for i in range(3)]
    insert(emails)
    assert len({e.pk for e in emails}) == 3
    assert [(e.pk, e.value) for e in link.emails.order_by("position")] == [(e.pk, e.value) for e in emails]


@pytest.mark.django_db(transaction=True)
def test_more_rows_than_a_plan_holds_go_through_bulk_create(organisation):
    link = UserFactory(organisation=organisation).scim_link
    link.emails.all().delete()
    emails = [SCIMUserEmail(scim_user=link, value=f"e{i}@example.com", position=i) for i in range(MAX_INSERT_ROWS + 1)]
    insert(emails)
    assert link.emails.count() == MAX_INSERT_ROWS + 1 and all(e.pk for e in emails)


@pytest.mark.django_db(transaction=True)
def test_an_expression_value_is_left_to_the_orm(organisation):
    insert([_event(organisation, 0)])
    event = _event(organisation, 1, created_at=Now())
    insert([event])
    stored = SCIMEvent.objects.get(pk=event.pk)
    assert stored.action == "user.test1" and stored.created_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_model_with_receivers_is_saved_so_that_they_are_told(organisation):
    told = []

    def receiver(sender, instance, created, **kwargs):
        told.append((instance.action, created))

    signals.post_save.connect(receiver, sender=SCIMEvent)
    try:
        insert([_event(organisation, 0), _event(organisation, 1)])
    finally:
        signals.post_save.disconnect(receiver, sender=SCIMEvent)
    assert told == [("user.test0", True), ("user.test1", True)]
    insert([_event(organisation, 2)])  # no receiver any more: the plan again
    assert told == [("user.test0", True), ("user.test1", True)]
    assert SCIMEvent.objects.filter(action__startswith="user.test").count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_refused_row_raises_and_stores_nothing(organisation):
    insert([_event(organisation, 0)])
    refused = _event(organisation, 1)
    refused.organisation_id = organisation.pk + 10_000  # no such tenant
    with pytest.raises(IntegrityError):
        insert([refused])
    assert not SCIMEvent.objects.filter(action="user.test1").exists()


@pytest.mark.django_db(transaction=True)
def test_an_unsaved_related_object_is_refused_as_save_refuses_it(organisation):
    link = UserFactory(organisation=organisation).scim_link
    insert([SCIMUserEmail(scim_user=link, value="planned@example.com")])
    email = SCIMUserEmail(scim_user=type(link)(organisation=organisation, user_name="unsaved"), value="x@example.com")
    with pytest.raises(ValueError, match="unsaved related object"):
        insert([email])
    assert not SCIMUserEmail.objects.filter(value="x@example.com").exists()


@pytest.mark.django_db(transaction=True)
def test_a_model_with_a_save_of_its_own_is_saved_with_it(organisation, monkeypatch):
    """A host's user model may do more in save(): it is called, not bypassed."""
    from django.db.models import Model

    saved = []

    def save(self, *args, **kwargs):
        saved.append(self.action)
        return Model.save(self, *args, **kwargs)

    monkeypatch.setattr(SCIMEvent, "save", save, raising=False)
    insert([_event(organisation, 0), _event(organisation, 1)])
    assert saved == ["user.test0", "user.test1"]
    assert SCIMEvent.objects.filter(action__startswith="user.test").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_user_with_a_raw_password_to_validate_is_saved_by_its_model(organisation):
    from vxp_hub.models import User

    plain = User(organisation=organisation, username="unusable@example.com")
    plain.set_unusable_password()
    with CaptureQueriesContext(connection) as ctx:
        insert([plain])
    assert plain.pk and len(ctx.captured_queries) == 1
    with_password = User(organisation=organisation, username="password@example.com")
    with_password.set_password("a long enough passphrase 7")
    insert([with_password])  # AbstractBaseUser.save: password_changed() runs, _password is cleared
    assert with_password._password is None
    assert User.objects.get(pk=with_password.pk).check_password("a long enough passphrase 7")


@pytest.mark.django_db(transaction=True)
def test_a_refused_row_inside_a_transaction_marks_it_for_rollback(organisation):
    """As save() does: the caller cannot go on writing in a transaction the database refused."""
    from django.db import transaction

    insert([_event(organisation, 0)])
    refused = _event(organisation, 1)
    refused.action = None  # NOT NULL: refused at once on both databases
    with transaction.atomic():
        insert([_event(organisation, 2)])
        with pytest.raises(IntegrityError):
            insert([refused])
        assert transaction.get_connection().needs_rollback
    assert not SCIMEvent.objects.filter(action="user.test2").exists()  # rolled back with it
