"""Issue 9: userName and displayName must read as what they are.

A bidi override (``"\\u202eelpmaxe.omed@renwo"`` shows as ``owner@demo.example``), a zero-width
character (``"owner@demo.example\\u200b"``), a control character or leading/trailing whitespace
in a name lets one user impersonate another on the hub's pages. Each answers 400
``invalidValue`` naming the attribute, on POST, PUT and PATCH (Okta's and Entra's shapes), and
changes nothing. Names in any script still work."""

import pytest

from teams.models import Team

from .group_helpers import GROUP, make_user, snapshot
from .users import USER, assert_error, organisation_state, patch_body

BAD = {
    "bidi override (issue)": "\u202eelpmaxe.omed@renwo",
    "zero-width space (issue)": "owner@demo.example\u200b",
    "LRE": "a\u202ab", "RLE": "a\u202bb", "PDF": "a\u202cb", "LRO": "a\u202db", "RLO": "a\u202eb",
    "LRI": "a\u2066b", "RLI": "a\u2067b", "FSI": "a\u2068b", "PDI": "a\u2069b",
    "LRM": "a\u200eb", "RLM": "a\u200fb", "ALM": "a\u061cb",
    "ZWSP": "a\u200bb", "ZWNJ": "a\u200cb", "ZWJ": "a\u200db", "WJ": "a\u2060b", "BOM": "\ufeffab",
    "soft hyphen": "a\u00adb",
    "Hangul filler": "a\u3164b",
    "line separator": "a\u2028b",
    "inner tab": "a\tb", "inner newline": "a\nb", "inner CR": "a\rb", "C1 control": "a\u0085b",
    "leading space": " ab", "trailing space": "ab ", "leading tab": "\tab", "trailing newline": "ab\n",
    "trailing NBSP": "ab\u00a0", "leading ideographic space": "\u3000ab", "trailing em space": "ab\u2003",
    "only spaces": "   ",
}
# One of each kind, for the many PATCH shapes (POST and PUT take every one of BAD).
SAMPLE = ["bidi override (issue)", "zero-width space (issue)", "RLI", "ALM", "BOM", "inner newline",
          "leading space", "trailing NBSP", "only spaces"]
GOOD = ["José García", "山田 太郎", "Zoe\u0308 Ørsted", "Ærøskøbing", "محمد", "Ελένη", "O'Brien-Smith", "a\u00a0b"]


def _user_body(**fields):
    return {"schemas": [USER], "userName": "new@acme.example", **fields}


def _expect_invalid(response, attr):
    body = assert_error(response, 400, "invalidValue")
    assert attr in body["detail"]
    return body


# --- Users ------------------------------------------------------------------------------------

@pytest.mark.parametrize("attr", ["userName", "displayName"])
@pytest.mark.parametrize("label", BAD)
def test_post_user_refuses_the_name(scim, organisation, member, attr, label):
    before = organisation_state(organisation)
    _expect_invalid(scim.post("Users", _user_body(**{attr: BAD[label]})), attr)
    assert organisation_state(organisation) == before


@pytest.mark.parametrize("attr", ["userName", "displayName"])
@pytest.mark.parametrize("label", BAD)
def test_put_user_refuses_the_name(scim, organisation, member, attr, label):
    before = organisation_state(organisation)
    body = {"schemas": [USER], "userName": member.username, **{attr: BAD[label]}}
    _expect_invalid(scim.put(f"Users/{member.scim_link.scim_id}", body), attr)
    assert organisation_state(organisation) == before


# Entra: a path; Okta (and Entra for several attributes): no path, a value object.
PATCH_SHAPES = {
    "entra path": lambda attr, value: {"op": "Replace", "path": attr, "value": value},
    "add path": lambda attr, value: {"op": "add", "path": attr, "value": value},
    "okta value object": lambda attr, value: {"op": "replace", "value": {attr: value}},
    "urn path": lambda attr, value: {"op": "replace", "path": f"urn:ietf:params:scim:schemas:core:2.0:User:{attr}",
                                     "value": value},
}


@pytest.mark.parametrize("shape", PATCH_SHAPES)
@pytest.mark.parametrize("attr", ["userName", "displayName"])
@pytest.mark.parametrize("label", SAMPLE)
def test_patch_user_refuses_the_name(scim, organisation, member, shape, attr, label):
    before = organisation_state(organisation)
    operation = PATCH_SHAPES[shape](attr, BAD[label])
    # A valid change first: the refused one must take the whole request back.
    body = patch_body({"op": "replace", "path": "title", "value": "Changed"}, operation)
    _expect_invalid(scim.patch(f"Users/{member.scim_link.scim_id}", body), attr)
    assert organisation_state(organisation) == before


@pytest.mark.parametrize("name", GOOD)
def test_users_with_names_in_any_script_are_accepted(scim, organisation, name):
    username = f"{name}@acme.example"
    created = scim.post("Users", _user_body(userName=username, displayName=name))
    assert created.status_code == 201, created.content
    assert created.json()["userName"] == username
    assert created.json()["displayName"] == name
    user_id = created.json()["id"]
    renamed = scim.patch(f"Users/{user_id}", patch_body({"op": "replace", "value": {"displayName": f"{name} 2"}}))
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["displayName"] == f"{name} 2"
    replaced = scim.put(f"Users/{user_id}", {"schemas": [USER], "userName": f"x{username}", "displayName": name})
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["userName"] == f"x{username}"


# --- Groups -----------------------------------------------------------------------------------

@pytest.fixture
def team(scim, organisation):
    user = make_user(organisation, username="m@acme.example")
    response = scim.post("Groups", {"schemas": [GROUP], "displayName": "Engineering",
                                    "members": [{"value": str(user.scim_link.scim_id)}]})
    assert response.status_code == 201, response.content
    return Team.objects.get(scim_id=response.json()["id"])


@pytest.mark.parametrize("label", BAD)
def test_post_group_refuses_the_name(scim, organisation, label):
    _expect_invalid(scim.post("Groups", {"schemas": [GROUP], "displayName": BAD[label]}), "displayName")
    assert not Team.objects.filter(organisation=organisation).exists()


@pytest.mark.parametrize("label", BAD)
def test_put_group_refuses_the_name(scim, team, label):
    before = snapshot(team)
    _expect_invalid(scim.put(f"Groups/{team.scim_id}", {"schemas": [GROUP], "displayName": BAD[label]}), "displayName")
    assert snapshot(team) == before


GROUP_PATCH_SHAPES = {
    "entra path": lambda team, value: {"op": "Replace", "path": "displayName", "value": value},
    "okta value object": lambda team, value: {"op": "replace", "value": {"id": str(team.scim_id), "displayName": value}},
    "value object": lambda team, value: {"op": "replace", "value": {"displayName": value}},
}


@pytest.mark.parametrize("shape", GROUP_PATCH_SHAPES)
@pytest.mark.parametrize("label", SAMPLE)
def test_patch_group_refuses_the_name(scim, team, shape, label):
    before = snapshot(team)
    body = patch_body({"op": "replace", "path": "externalId", "value": "changed"},
                      GROUP_PATCH_SHAPES[shape](team, BAD[label]))
    _expect_invalid(scim.patch(f"Groups/{team.scim_id}", body), "displayName")
    assert snapshot(team) == before


@pytest.mark.parametrize("name", GOOD)
def test_groups_with_names_in_any_script_are_accepted(scim, organisation, name):
    created = scim.post("Groups", {"schemas": [GROUP], "displayName": name})
    assert created.status_code == 201, created.content
    assert created.json()["displayName"] == name
    group_id = created.json()["id"]
    patched = scim.patch(f"Groups/{group_id}", patch_body({"op": "replace", "path": "displayName", "value": f"{name} 2"}))
    assert patched.status_code == 204, patched.content
    replaced = scim.put(f"Groups/{group_id}", {"schemas": [GROUP], "displayName": name})
    assert replaced.status_code == 200, replaced.content
    assert Team.objects.get(scim_id=group_id).name == name
