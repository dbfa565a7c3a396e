"""The SCIM safety rails, set on the General page or the API, enforced through HTTP: whether
SCIM may link teams created by hand, and whether userNames must belong to the organisation's
domains. Both default to what SCIM did before they existed."""

import pytest
from django.urls import reverse

from scim_provisioning.models import SCIMEvent, SCIMOrganisationSettings
from teams.models import Team
from teams.services import team_create

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def rails(admin, **values):
    form = {"link_manual_groups": "on", "user_domains": "", **values}
    form = {k: v for k, v in form.items() if v is not None}
    return admin.post(reverse("settings-general-rails"), form)


@pytest.fixture
def hand_made(organisation, profiles):
    return team_create(organisation=organisation, name="Finance")


def test_by_default_scim_links_a_hand_made_team(scim, hand_made):
    found = scim.get("Groups", {"filter": 'displayName eq "Finance"'}).json()
    assert found["totalResults"] == 1
    group_id = found["Resources"][0]["id"]
    response = scim.patch(f"Groups/{group_id}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                                 "Operations": [{"op": "replace", "value": {"displayName": "Finance"}}]})
    assert response.status_code in (200, 204)
    assert Team.objects.get(pk=hand_made.pk).scim_managed


def test_with_linking_off_hand_made_teams_are_invisible_and_their_names_answer_409(
        org_admin_client, scim, hand_made, organisation):
    assert rails(org_admin_client, link_manual_groups=None).status_code == 302
    assert scim.get("Groups", {"filter": 'displayName eq "Finance"'}).json()["totalResults"] == 0
    assert scim.get(f"Groups/{hand_made.scim_id}").status_code == 404
    response = scim.post("Groups", {"schemas": [GROUP], "displayName": "finance"})
    assert response.status_code == 409
    body = response.json()
    assert body["scimType"] == "uniqueness" and "created by hand" in body["detail"]
    assert Team.objects.filter(organisation=organisation).count() == 1
    assert not Team.objects.get(pk=hand_made.pk).scim_managed
    failure = SCIMEvent.objects.filter(action="group.create", outcome="failure").get()
    assert failure.status_code == 409


def test_with_linking_off_scim_cannot_rename_its_group_onto_a_hand_made_one(org_admin_client, scim, hand_made):
    rails(org_admin_client, link_manual_groups=None)
    created = scim.post("Groups", {"schemas": [GROUP], "displayName": "Okta Engineering"}).json()
    response = scim.put(f"Groups/{created['id']}", {"schemas": [GROUP], "displayName": "FINANCE"})
    assert response.status_code == 409 and "created by hand" in response.json()["detail"]
    assert scim.get(f"Groups/{created['id']}").json()["displayName"] == "Okta Engineering"
    # its own groups stay fully usable
    assert scim.put(f"Groups/{created['id']}", {"schemas": [GROUP], "displayName": "Okta Eng"}).status_code == 200


def test_domain_restriction_refuses_foreign_usernames_and_logs_it(org_admin_client, scim, organisation):
    response = rails(org_admin_client, restrict_user_domains="on", user_domains="acme.example, Acme.ORG")
    assert response.status_code == 302
    assert SCIMOrganisationSettings.objects.get().user_domains == ["acme.example", "acme.org"]
    ok = scim.post("Users", {"schemas": [USER], "userName": "ann@ACME.org"})
    assert ok.status_code == 201
    refused = scim.post("Users", {"schemas": [USER], "userName": "eve@evil.example"})
    assert refused.status_code == 400
    assert refused.json()["scimType"] == "invalidValue" and "acme.example" in refused.json()["detail"]
    assert scim.post("Users", {"schemas": [USER], "userName": "no-at-sign"}).status_code == 400
    assert scim.get("Users", {"filter": 'userName eq "eve@evil.example"'}).json()["totalResults"] == 0
    rename = scim.patch(f"Users/{ok.json()['id']}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                        "Operations": [{"op": "replace", "path": "userName", "value": "ann@evil.example"}]})
    assert rename.status_code == 400
    assert SCIMEvent.objects.filter(outcome="failure", status_code=400).count() == 3
    assert SCIMEvent.objects.filter(action="settings.scim_rails").exists()


def test_users_outside_the_domains_can_still_be_deactivated(org_admin_client, scim):
    created = scim.post("Users", {"schemas": [USER], "userName": "old@legacy.example"}).json()
    rails(org_admin_client, restrict_user_domains="on", user_domains="acme.example")
    response = scim.patch(f"Users/{created['id']}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                          "Operations": [{"op": "replace", "value": {"active": False}}]})
    assert response.status_code in (200, 204)
    assert scim.get(f"Users/{created['id']}").json()["active"] is False


@pytest.mark.parametrize("form,error", [
    ({"restrict_user_domains": "on", "user_domains": ""}, "at least one domain"),
    ({"user_domains": "not a domain!"}, "is not a domain"),
    ({"user_domains": "exa mple"}, "is not a domain"),
])
def test_bad_rails_input_is_a_form_error_and_changes_nothing(org_admin_client, form, error):
    response = rails(org_admin_client, **form)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not SCIMOrganisationSettings.objects.exists()


def test_rails_through_the_api(org_admin_client, scim):
    url = reverse("api-scim-settings")
    assert org_admin_client.get(url).json() == {"link_manual_groups": True, "restrict_user_domains": False,
                                                "user_domains": []}
    response = org_admin_client.patch(url, {"restrict_user_domains": True, "user_domains": ["acme.example"]},
                                      content_type="application/json")
    assert response.status_code == 200 and response.json()["user_domains"] == ["acme.example"]
    assert scim.post("Users", {"schemas": [USER], "userName": "x@other.example"}).status_code == 400
    bad = org_admin_client.patch(url, {"user_domains": []}, content_type="application/json")
    assert bad.status_code == 400  # still restricting, with no domain left


def test_one_organisations_rails_do_not_touch_another(org_admin_client, other_scim):
    rails(org_admin_client, restrict_user_domains="on", user_domains="acme.example", link_manual_groups=None)
    assert other_scim.post("Users", {"schemas": [USER], "userName": "x@anything.example"}).status_code == 201
