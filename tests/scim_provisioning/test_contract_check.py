"""``manage.py check`` names every piece of the model contract a host's models lack, and how
to fix it (scim_provisioning.E010), instead of a 500 on the first request."""

import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.test.utils import isolate_apps

from scim_provisioning.backend import SCIMBackend
from scim_provisioning.checks import check_model_contract
from scim_provisioning.contract import contract_errors
from vxp_hub.provisioning import HubSCIMBackend


def test_the_hub_meets_the_contract():
    assert check_model_contract() == []
    call_command("check", "--fail-level", "ERROR")


@isolate_apps("scim_provisioning")
def _bare_models():
    class Tenant(models.Model):
        name = models.CharField(max_length=50)

        class Meta:
            app_label = "scim_provisioning"

    class Person(models.Model):
        tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
        username = models.CharField(max_length=50)
        is_active = models.BooleanField(default=True)

        class Meta:
            app_label = "scim_provisioning"

    class Squad(models.Model):
        name = models.CharField(max_length=50)

        class Meta:
            app_label = "scim_provisioning"

    return {"tenant": Tenant, "user": Person, "group": Squad}


def _missing(errors):
    return {(error.obj._meta.object_name, error.msg.split("'")[1]) for error in errors}


def test_every_missing_piece_is_named_with_a_hint():
    errors = contract_errors(_bare_models(), SCIMBackend().model_requirements())

    assert {e.id for e in errors} == {"scim_provisioning.E010"}
    missing = _missing(errors)
    # The SCIM state is the app's own: only the tenant link and what is mirrored are needed.
    for field in ("organisation", "first_name", "last_name", "email"):
        assert ("Person", field) in missing
    for field in ("username", "is_active", "scim_id", "emails", "manager", "updated_at", "date_joined"):
        assert ("Person", field) not in missing
    assert ("Tenant", "slug") in missing
    assert {("Squad", f) for f in ("organisation", "scim_id", "members", "external_id")} <= missing
    assert ("Squad", "name") not in missing
    first_name = next(e for e in errors if "'first_name'" in e.msg)
    assert "user_fields" in first_name.msg and "model_requirements" in first_name.hint


class OwnNamesBackend(SCIMBackend):
    """A host whose user has a tenant field of another name and mirrors no names or e-mail."""

    tenant_field = "tenant"
    user_fields = {}
    email_field = None


def test_a_backend_declares_what_it_needs():
    errors = contract_errors(_bare_models(), OwnNamesBackend().model_requirements())

    missing = _missing(errors)
    assert not {f for model, f in missing if model == "Person"} & {"first_name", "last_name", "email", "tenant"}
    assert ("Person", "organisation") in missing  # still: the teams services' profile holder reads it


@pytest.mark.django_db
def test_an_unloadable_model_is_reported(settings):
    settings.SCIM_PROVISIONING_ORGANISATION_MODEL = "nowhere.Tenant"

    [error] = check_model_contract()

    assert error.id == "scim_provisioning.E011" and "nowhere" in error.msg


def test_the_team_profile_rule_adds_what_the_teams_services_need():
    errors = contract_errors(_bare_models(), SCIMBackend().model_requirements())

    missing = _missing(errors)
    for field in ("profile", "profile_team", "role", "PROTECTED_ROLES", "is_protected"):
        assert ("Person", field) in missing
    assert ("Tenant", "default_scim_profile") in missing
    protected = next(e for e in errors if "'PROTECTED_ROLES'" in e.msg)
    assert "an attribute" in protected.hint


def test_without_the_teams_services_their_fields_are_not_required():
    class PlainGroups(SCIMBackend):
        group_services_module = None

    fields = {r.field for r in PlainGroups().model_requirements()}
    assert "profile_team" not in fields and "is_active" in fields


class NeedsMoreBackend(HubSCIMBackend):
    def model_requirements(self):
        from scim_provisioning.contract import Requirement
        return [*super().model_requirements(), Requirement("user", "shoe_size", "a test of the command")]


@pytest.mark.django_db
def test_scim_contract_command_lists_requirements_and_what_is_missing(settings, capsys):
    call_command("scim_contract")
    out = capsys.readouterr().out

    assert "ok       user     vxp_hub.User.email (field)" in out
    assert "ok       user     vxp_hub.User.PROTECTED_ROLES (attribute)" in out
    assert out.strip().splitlines()[-1].endswith(", 0 missing.")

    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING,
                                  "BACKEND": f"{__name__}.NeedsMoreBackend"}
    with pytest.raises(CommandError, match="1 missing"):
        call_command("scim_contract")
    assert "MISSING  user     vxp_hub.User.shoe_size (field): a test of the command" in capsys.readouterr().out
