"""POST, PUT and PATCH of Users: what is stored, what is ignored, what is returned."""

import pytest

from tests.factories import TeamFactory, TeamMembershipFactory, UserFactory
from vxp_hub.models import User
from vxp_hub.provisioning import HUB_USER_EXTENSION

from scim_provisioning.models import SCIMUser

from .users import ENTERPRISE, USER, assert_error, link_of, patch_body, user_state


def _create(scim, **attributes):
    response = scim.post("Users", {"schemas": [USER], **attributes})
    assert response.status_code == 201, response.content
    return response.json()


# --- POST -----------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [{}, {"userName": ""}, {"userName": "   "}, {"userName": None}, {"username": ""}])
def test_post_requires_a_username(scim, organisation, body):
    assert_error(scim.post("Users", {"schemas": [USER], **body}), 400, "invalidValue")
    assert not User.objects.filter(organisation=organisation).exists()


def test_post_reads_attribute_names_in_any_case(scim, organisation):
    resource = _create(scim, USERNAME="case@example.com", Name={"GivenName": "Ca", "FAMILYNAME": "Se"},
                       Emails=[{"Value": "case@example.com", "Primary": True, "Type": "work"}])
    assert resource["userName"] == "case@example.com"
    assert resource["name"]["givenName"] == "Ca" and resource["name"]["familyName"] == "Se"
    assert resource["emails"] == [{"value": "case@example.com", "primary": True, "type": "work"}]


@pytest.mark.parametrize(("sent", "stored"), [("True", True), ("true", True), ("FALSE", False), (False, False), (None, True)])
def test_post_active_as_boolean_or_string(scim, organisation, sent, stored):
    resource = _create(scim, userName="active@example.com", active=sent)
    assert resource["active"] is stored
    assert User.objects.get(scim_links__scim_id=resource["id"]).is_active is stored


def test_post_ignores_read_only_unknown_and_role_input(scim, organisation):
    resource = _create(
        scim, userName="ignored@example.com", id="not-ours", meta={"created": "2000-01-01T00:00:00Z"},
        groups=[{"value": "x"}], roles=[{"value": "owner", "primary": True}], adreses=[{"x": 1}],
        nickName="Nick", phoneNumbers=[{"value": "+1 555", "type": "work"}],
        **{HUB_USER_EXTENSION: {"role": "owner"}, "urn:example:custom:1.0:User": {"x": "y"}},
    )
    assert resource["id"] != "not-ours"
    assert "adreses" not in resource
    # Core attributes the hub does not model are kept, SCIM roles included (never the hub role).
    assert resource["nickName"] == "Nick" and resource["phoneNumbers"] == [{"value": "+1 555", "type": "work"}]
    assert resource["roles"] == [{"value": "owner", "primary": True}]
    assert HUB_USER_EXTENSION not in resource  # returned: request
    requested = scim.get(f"Users/{resource['id']}", {"attributes": HUB_USER_EXTENSION}).json()
    assert requested[HUB_USER_EXTENSION]["role"] == "member"
    assert not resource["meta"]["created"].startswith("2000")
    assert User.objects.get(scim_links__scim_id=resource["id"]).role == "member"


def test_created_user_gets_the_default_scim_profile(scim, organisation, profiles):
    organisation.default_scim_profile = profiles["Contributor"]
    organisation.save()
    resource = _create(scim, userName="profiled@example.com")
    user = User.objects.get(scim_links__scim_id=resource["id"])
    assert user.profile == profiles["Contributor"] and user.profile_team is None
    requested = scim.get(f"Users/{resource['id']}", {"attributes": HUB_USER_EXTENSION}).json()
    assert requested[HUB_USER_EXTENSION] == {"role": "member", "profile": "Contributor",
                                             "profileSource": "organisationDefault"}


def test_meta_created_and_last_modified_are_the_scim_users(scim, organisation):
    resource = _create(scim, userName="meta@example.com")
    link = link_of(resource["id"])
    assert resource["meta"]["created"] == link.created_at.isoformat().replace("+00:00", "Z")
    assert resource["meta"]["lastModified"] == link.updated_at.isoformat().replace("+00:00", "Z")
    assert resource["meta"]["resourceType"] == "User"


# --- e-mails --------------------------------------------------------------------------------
def test_emails_keep_scim_order_and_the_primary_comes_first(scim, organisation):
    resource = _create(scim, userName="order@example.com", emails=[
        {"value": "home@example.com", "type": "home"},
        {"value": "work@example.com", "type": "work", "primary": True},
        {"value": "other@example.com", "type": "other", "primary": True},
    ])
    assert resource["emails"] == [
        {"value": "work@example.com", "primary": True, "type": "work"},
        {"value": "home@example.com", "primary": False, "type": "home"},
        {"value": "other@example.com", "primary": False, "type": "other"},
    ]
    stored = link_of(resource["id"]).emails.order_by("position")
    assert [(e.value, e.primary) for e in stored] == [
        ("home@example.com", False), ("work@example.com", True), ("other@example.com", False)]


def test_without_a_primary_the_first_email_is_primary(scim, organisation):
    resource = _create(scim, userName="noprimary@example.com",
                       emails=[{"value": "a@example.com", "type": "work"}, {"value": "b@example.com"}])
    assert [e["primary"] for e in resource["emails"]] == [True, False]
    assert resource["emails"][0]["value"] == "a@example.com"


def test_an_email_type_may_appear_once(scim, organisation):
    response = scim.post("Users", {"userName": "twice@example.com", "emails": [
        {"value": "a@example.com", "type": "work"}, {"value": "b@example.com", "type": "Work"}]})
    assert_error(response, 400, "invalidValue")
    assert not User.objects.filter(organisation=organisation).exists()


def test_patch_email_paths(scim, member):
    url = f"Users/{member.scim_link.scim_id}"
    response = scim.patch(url, patch_body(
        {"op": "add", "path": "emails", "value": [{"value": "home@example.com", "type": "home"}]}))
    assert [e["value"] for e in response.json()["emails"]] == [member.username, "home@example.com"]

    response = scim.patch(url, patch_body(
        {"op": "replace", "path": 'emails[type eq "home"]', "value": {"value": "new.home@example.com", "primary": True}}))
    assert response.json()["emails"] == [
        {"value": "new.home@example.com", "primary": True, "type": "home"},
        {"value": member.username, "primary": False, "type": "work"},
    ]

    response = scim.patch(url, patch_body({"op": "remove", "path": 'emails[type eq "home"]'}))
    # The work address was made non-primary above; removing the primary leaves none.
    assert response.json()["emails"] == [{"value": member.username, "primary": False, "type": "work"}]

    response = scim.patch(url, patch_body({"op": "remove", "path": 'emails[type eq "nothing"]'}))
    assert response.status_code == 200  # removing what is not there is a no-op

    response = scim.patch(url, patch_body(
        {"op": "replace", "path": "emails", "value": [{"value": "only@example.com", "type": "work"}]}))
    assert response.json()["emails"] == [{"value": "only@example.com", "primary": True, "type": "work"}]

    response = scim.patch(url, patch_body({"op": "remove", "path": "emails"}))
    assert response.json()["emails"] == []
    assert not member.scim_link.emails.exists()


def test_patch_add_email_with_an_existing_type_replaces_it(scim, member):
    response = scim.patch(f"Users/{member.scim_link.scim_id}", patch_body(
        {"op": "add", "path": "emails", "value": [{"value": "renamed@example.com", "type": "work"}]}))
    assert response.json()["emails"] == [{"value": "renamed@example.com", "primary": True, "type": "work"}]


# --- manager --------------------------------------------------------------------------------
def test_manager_on_post_as_object_or_string(scim, member, administrator):
    resource = _create(scim, userName="report@example.com", **{ENTERPRISE: {"manager": {"value": str(member.scim_link.scim_id)}}})
    assert resource[ENTERPRISE]["manager"]["value"] == str(member.scim_link.scim_id)
    resource = _create(scim, userName="report2@example.com", **{ENTERPRISE: {"Manager": str(administrator.scim_link.scim_id)}})
    assert resource[ENTERPRISE]["manager"]["value"] == str(administrator.scim_link.scim_id)
    assert link_of(resource["id"]).manager.user == administrator


@pytest.mark.parametrize("manager", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_manager_is_invalid(scim, organisation, manager):
    response = scim.post("Users", {"userName": "x@example.com", ENTERPRISE: {"manager": {"value": manager}}})
    assert_error(response, 400, "invalidValue")
    assert not User.objects.filter(organisation=organisation).exists()


def test_manager_of_another_organisation_is_unknown(scim, member, other_administrator):
    before = user_state(member)
    response = scim.patch(f"Users/{member.scim_link.scim_id}", patch_body(
        {"op": "add", "path": f"{ENTERPRISE}:manager", "value": str(other_administrator.scim_link.scim_id)}))
    body = assert_error(response, 400, "invalidValue")
    assert "no user with id" in body["detail"]
    assert user_state(member) == before


def test_a_user_cannot_be_its_own_manager(scim, member):
    response = scim.patch(f"Users/{member.scim_link.scim_id}", patch_body(
        {"op": "add", "path": f"{ENTERPRISE}:manager", "value": str(member.scim_link.scim_id)}))
    assert_error(response, 400, "invalidValue")


def test_manager_deleted_through_scim_is_not_returned(scim, member):
    report = _create(scim, userName="report@example.com", **{ENTERPRISE: {"manager": str(member.scim_link.scim_id)}})
    assert scim.delete(f"Users/{member.scim_link.scim_id}").status_code == 204
    assert "manager" not in scim.get(f"Users/{report['id']}").json().get(ENTERPRISE, {})


# --- PUT ------------------------------------------------------------------------------------
def test_put_replaces_everything_but_leaves_active_alone_when_absent(scim, organisation):
    resource = _create(scim, userName="put@example.com", title="Boss", active=False, externalId="ext",
                       **{ENTERPRISE: {"department": "Sales", "costCenter": "CC1"}})
    response = scim.put(f"Users/{resource['id']}", {"schemas": [USER], "userName": "put@example.com",
                                                    ENTERPRISE: {"department": "Support"}})
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is False  # no "active" in the PUT: unchanged, not a deactivation
    assert "title" not in body and "externalId" not in body
    assert body[ENTERPRISE] == {"department": "Support"}
    user = User.objects.get(scim_links__scim_id=resource["id"])
    assert (user.title, user.scim_link.external_id, user.cost_center, user.is_active) == ("", "", "", False)


def test_put_to_another_users_username_is_a_conflict(scim, member, organisation):
    other = UserFactory(organisation=organisation, username="taken@example.com")
    before = user_state(member)
    assert_error(scim.put(f"Users/{member.scim_link.scim_id}", {"userName": "TAKEN@example.com"}), 409, "uniqueness")
    assert user_state(member) == before
    assert User.objects.get(pk=other.pk).username == "taken@example.com"
    response = scim.put(f"Users/{member.scim_link.scim_id}", {"userName": member.username.upper()})
    assert response.status_code == 200 and response.json()["userName"] == member.username.upper()


def test_put_or_patch_makes_a_manual_member_scim_managed(scim, member, organisation, profiles):
    organisation.default_scim_profile = profiles["Viewer"]
    organisation.save()
    assert not member.scim_link.managed
    resource = scim.get(f"Users/{member.scim_link.scim_id}").json()
    assert scim.put(f"Users/{member.scim_link.scim_id}", resource).status_code == 200
    member.refresh_from_db()
    assert member.scim_link.managed and member.scim_link.updated_at is not None
    assert member.profile == profiles["Viewer"]
    assert member.has_usable_password()  # SCIM never touches a password


def test_first_scim_change_keeps_the_profile_of_a_member_of_a_mapped_team(scim, member, organisation, profiles):
    organisation.default_scim_profile = profiles["Viewer"]
    organisation.save()
    member.profile = profiles["Editor"]
    member.save()
    TeamMembershipFactory(team=TeamFactory(organisation=organisation, profile=profiles["Editor"]), user=member)
    assert scim.patch(f"Users/{member.scim_link.scim_id}", patch_body({"op": "replace", "path": "title", "value": "Dev"})).status_code == 200
    member.refresh_from_db()
    assert member.scim_link.managed and member.profile == profiles["Editor"]


# --- PATCH ----------------------------------------------------------------------------------
def test_patch_name_paths(scim, member):
    url = f"Users/{member.scim_link.scim_id}"
    body = scim.patch(url, patch_body({"op": "replace", "path": "name", "value": {"givenName": "Ada"}})).json()
    assert body["name"]["givenName"] == "Ada" and body["name"]["familyName"] == member.family_name
    body = scim.patch(url, patch_body({"op": "replace", "path": "name.formatted", "value": "Stored As Sent"})).json()
    assert body["name"]["formatted"] == "Stored As Sent"  # stored, never derived from the parts
    body = scim.patch(url, patch_body({"op": "remove", "path": "name.familyName"})).json()
    assert body["name"] == {"givenName": "Ada", "formatted": "Stored As Sent"}  # unassigned: left out
    body = scim.patch(url, patch_body({"op": "replace", "value": {"name": {"familyName": "Lovelace"}}})).json()
    assert body["name"]["familyName"] == "Lovelace" and body["name"]["givenName"] == "Ada"


def test_patch_core_urn_and_enterprise_paths(scim, member):
    body = scim.patch(f"Users/{member.scim_link.scim_id}", patch_body(
        {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName", "value": "new@example.com"},
        {"op": "replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "42"},
        {"op": "add", "path": f"{ENTERPRISE}:costCenter", "value": "CC"},
        {"op": "add", "path": f"{ENTERPRISE}:organization", "value": "Org"},
        {"op": "add", "path": f"{ENTERPRISE}:division", "value": "Div"},
        {"op": "replace", "value": {ENTERPRISE: {"department": "Dept"}}},
        {"op": "replace", "path": "locale", "value": "fr-FR"},
    )).json()
    assert body["userName"] == "new@example.com" and body["locale"] == "fr-FR"
    assert body[ENTERPRISE] == {"employeeNumber": "42", "costCenter": "CC", "organization": "Org",
                                "division": "Div", "department": "Dept"}
    body = scim.patch(f"Users/{member.scim_link.scim_id}", patch_body({"op": "remove", "path": f"{ENTERPRISE}:costCenter"})).json()
    assert "costCenter" not in body[ENTERPRISE]


def test_patch_ignores_roles_and_the_hub_extension(scim, member):
    before = user_state(member)
    response = scim.patch(f"Users/{member.scim_link.scim_id}", patch_body(
        {"op": "add", "path": "roles", "value": [{"value": "owner"}]},
        {"op": "replace", "path": f"{HUB_USER_EXTENSION}:role", "value": "owner"},
        {"op": "replace", "value": {"roles": [{"value": "administrator"}], HUB_USER_EXTENSION: {"role": "owner"},
                                    "unknownAttribute": "x", "groups": []}},
    ))
    assert response.status_code == 200
    after = user_state(member)
    assert after["role"] == "member"
    # SCIM roles are kept as sent among the SCIM user's attributes (scim.*), never the role.
    assert {k: v for k, v in after.items() if not k.startswith("scim.") and k != "updated_at"} == \
           {k: v for k, v in before.items() if not k.startswith("scim.") and k != "updated_at"}


@pytest.mark.parametrize("path,returned", [
    ("nickName", {"nickName": "x"}),
    ('addresses[type eq "work"].formatted', {"addresses": [{"type": "work", "formatted": "x"}]}),
    ('phoneNumbers[type eq "mobile"].value', {"phoneNumbers": [{"type": "mobile", "value": "x"}]}),
])
def test_patch_core_attributes_the_hub_does_not_model_are_kept(scim, member, path, returned):
    response = scim.patch(f"Users/{member.scim_link.scim_id}", patch_body({"op": "Add", "path": path, "value": "x"}))
    assert response.status_code == 200
    assert {k: response.json()[k] for k in returned} == returned


def test_deactivating_an_inactive_user_is_a_no_op(scim, member):
    scim.patch(f"Users/{member.scim_link.scim_id}", patch_body({"op": "replace", "path": "active", "value": False}))
    before = user_state(member)
    response = scim.patch(f"Users/{member.scim_link.scim_id}", patch_body({"op": "replace", "path": "active", "value": False}))
    assert response.status_code == 200 and response.json()["active"] is False
    assert user_state(member) == before  # not even lastModified moves
    assert response.json() == scim.get(f"Users/{member.scim_link.scim_id}").json()  # nor in the answer


def test_patch_path_naming_the_whole_enterprise_extension(scim, member):
    url = f"Users/{member.scim_link.scim_id}"
    body = scim.patch(url, patch_body(
        {"op": "add", "path": ENTERPRISE, "value": {"department": "Research", "employeeNumber": "42"}})).json()
    assert body[ENTERPRISE] == {"department": "Research", "employeeNumber": "42"}
    body = scim.patch(url, patch_body({"op": "replace", "path": ENTERPRISE.upper(), "value": {"division": "D"}})).json()
    assert body[ENTERPRISE] == {"department": "Research", "employeeNumber": "42", "division": "D"}
    body = scim.patch(url, patch_body({"op": "remove", "path": ENTERPRISE})).json()
    assert ENTERPRISE not in body and ENTERPRISE not in body["schemas"]
    assert scim.patch(url, patch_body({"op": "add", "path": ENTERPRISE, "value": "x"})).status_code == 400


def test_hub_extension_is_read_only_and_returned_on_request(scim, member, organisation, profiles):
    from teams.services import team_create, team_set_profile

    SCIMUser.objects.filter(user=member).update(managed=True)
    team = team_create(organisation=organisation, name="Marketing", member_ids=[member.pk])
    team_set_profile(team=team, profile=profiles["Editor"])
    url = f"Users/{member.scim_link.scim_id}"
    assert HUB_USER_EXTENSION not in scim.get(url).json()
    body = scim.get(url, {"attributes": HUB_USER_EXTENSION}).json()
    assert body[HUB_USER_EXTENSION] == {"role": "member", "profile": "Editor", "profileSource": "team",
                                        "profileTeam": {"value": str(team.scim_id), "display": "Marketing"}}
    assert body["schemas"][-1] == HUB_USER_EXTENSION
    assert scim.get(url, {"attributes": f"{HUB_USER_EXTENSION}:profile"}).json()[HUB_USER_EXTENSION] == {"profile": "Editor"}
    response = scim.patch(url, patch_body({"op": "replace", "path": HUB_USER_EXTENSION, "value": {"role": "owner"}}))
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.role == "member" and member.profile == profiles["Editor"]
