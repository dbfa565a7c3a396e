"""Uniqueness the product promises is enforced by the database, on SQLite and PostgreSQL."""

import pytest
from django.db import IntegrityError, transaction

from teams.models import Team
from tests.factories import TeamFactory, UserFactory, UserProfileFactory
from vxp_hub.models import User


def test_same_username_in_two_organisations_is_allowed(organisation, other_organisation):
    UserFactory(organisation=organisation, username="sam@example.com")
    UserFactory(organisation=other_organisation, username="sam@example.com")
    assert User.objects.filter(username="sam@example.com").count() == 2


def test_username_differing_only_by_case_in_one_organisation_is_refused(organisation):
    UserFactory(organisation=organisation, username="sam@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(organisation=organisation, username="SAM@Example.COM")
    assert User.objects.filter(organisation=organisation).count() == 1


def test_same_team_name_in_two_organisations_is_allowed(organisation, other_organisation):
    TeamFactory(organisation=organisation, name="Marketing")
    TeamFactory(organisation=other_organisation, name="Marketing")
    assert Team.objects.filter(name="Marketing").count() == 2


def test_team_name_differing_only_by_case_in_one_organisation_is_refused(organisation):
    TeamFactory(organisation=organisation, name="Marketing")
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(organisation=organisation, name="MARKETING")


def test_profile_name_unique_per_organisation_case_insensitive(organisation, other_organisation):
    UserProfileFactory(organisation=organisation, name="Auditor")
    UserProfileFactory(organisation=other_organisation, name="Auditor")  # other org: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        UserProfileFactory(organisation=organisation, name="AUDITOR")


def test_scim_ids_are_distinct_uuids(organisation):
    a, b = UserFactory(organisation=organisation), UserFactory(organisation=organisation)
    assert a.scim_link.scim_id != b.scim_link.scim_id
    assert str(a.scim_link.scim_id) != str(a.pk)
