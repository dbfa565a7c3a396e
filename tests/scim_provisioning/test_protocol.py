"""Transport and message rules every SCIM client relies on (scim-clients.md §0, §2)."""

import json

import pytest
from django.urls import set_script_prefix

from tests.factories import TeamFactory, UserFactory

from .users import assert_error

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def body(response):
    return json.loads(response.content)


@pytest.mark.parametrize("path", ["Users?startIndex=1&count=2", "Groups?startIndex=1&count=100"])
def test_okta_test_api_credentials_on_a_brand_new_organisation(scim, path):
    response = scim.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"
    assert body(response) == {"schemas": [LIST], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []}


@pytest.mark.parametrize("path", [
    "Users", "Users/", "users", "USERS/", "Groups", "Groups/", "ServiceProviderConfig", "ServiceProviderConfig/",
    "ResourceTypes", "ResourceTypes/User", "ResourceTypes/Group", "Schemas",
    "Schemas/urn:ietf:params:scim:schemas:core:2.0:User", "Schemas/urn:ietf:params:scim:schemas:core:2.0:Group",
    "Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
])
def test_every_route_answers_scim_json_with_or_without_trailing_slash(scim, path):
    response = scim.get(path)
    assert response.status_code == 200, path
    assert response["Content-Type"] == "application/scim+json"
    assert "Location" not in response or not response["Location"].endswith("/" + path)


@pytest.mark.parametrize("path", [
    "Users/00919288221112222", "Users/010101001010101011001010101011", "Users/not-a-uuid",
    "Users/00000000-0000-0000-0000-000000000000", "Groups/nope", "Nothing", "Users/a/b", "ResourceTypes/Nope",
    "Schemas/urn:nope",
])
def test_unknown_ids_and_paths_answer_a_scim_404(scim, path):
    assert_error(scim.get(path), 404)


@pytest.mark.parametrize("accept", ["application/scim+json", "application/json", "*/*", "text/html", ""])
def test_responses_are_scim_json_whatever_the_accept_header(scim, accept):
    response = scim.get("Users", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"


@pytest.mark.parametrize("path", ["ServiceProviderConfig", "ResourceTypes", "Schemas"])
def test_discovery_endpoints_are_read_only(scim, path):
    assert_error(scim.post(path, {}), 405)


def test_options_and_unsupported_methods_answer_scim_405(scim):
    assert_error(scim.client.options("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {scim.raw_token}"), 405)
    assert_error(scim.put("Users", {}), 405)


@pytest.mark.parametrize("path", ["Bulk", "Me", ".search"])
def test_unsupported_features_answer_501(scim, path):
    assert_error(scim.post(path, {"schemas": []}), 501)


def test_service_provider_config_states_what_is_supported(scim):
    config = body(scim.get("ServiceProviderConfig"))
    assert config["patch"] == {"supported": True}
    assert config["filter"] == {"supported": True, "maxResults": 200}
    for feature in ("bulk", "sort", "etag", "changePassword"):
        assert config[feature]["supported"] is False
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_resource_types_and_schemas_describe_users_and_groups(scim):
    types = body(scim.get("ResourceTypes"))
    assert types["totalResults"] == 2
    user = next(t for t in types["Resources"] if t["id"] == "User")
    assert user["endpoint"] == "/Users"
    extensions = {e["schema"] for e in user["schemaExtensions"]}
    assert "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" in extensions
    schemas = body(scim.get("Schemas"))
    ids = {s["id"] for s in schemas["Resources"]}
    assert {"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group"} <= ids
    assert extensions <= ids  # every advertised extension is described


# --- paging -------------------------------------------------------------------------------

@pytest.fixture
def five_users(organisation):
    return [UserFactory(organisation=organisation, username=f"u{i}@example.com") for i in range(5)]


def _ids(response):
    return [r["id"] for r in body(response)["Resources"]]


def test_pages_are_stable_and_cover_everything_once(scim, five_users):
    seen = []
    for start in (1, 3, 5):
        page = body(scim.get("Users", {"startIndex": start, "count": 2}))
        assert page["totalResults"] == 5
        assert page["startIndex"] == start
        assert page["itemsPerPage"] == len(page["Resources"])
        seen += [r["id"] for r in page["Resources"]]
    assert seen == [str(u.scim_link.scim_id) for u in five_users]


@pytest.mark.parametrize("params,expected_count,expected_start", [
    ({"count": 0}, 0, 1),
    ({"count": -5}, 0, 1),
    ({"startIndex": 0}, 5, 1),
    ({"startIndex": -3}, 5, 1),
    ({"startIndex": 6}, 0, 6),
    ({"startIndex": "99999999999999999999999999"}, 0, 2**31 - 1),
    ({"count": "99999999999999999999999999"}, 5, 1),
    ({"count": 100000}, 5, 1),
])
def test_absurd_paging_values_are_clamped_not_errors(scim, five_users, params, expected_count, expected_start):
    page = body(scim.get("Users", params))
    assert page["totalResults"] == 5
    assert len(page["Resources"]) == expected_count
    assert page["startIndex"] == expected_start


@pytest.mark.parametrize("params", [{"count": "ten"}, {"startIndex": "1.5"}, {"count": "1e3"}, {"count": "٣"}])
def test_non_integer_paging_values_answer_400(scim, params):
    assert_error(scim.get("Users", params), 400, "invalidValue")


def test_count_is_capped_at_max_results(scim, organisation, settings):
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "MAX_PAGE_SIZE": 3}
    for i in range(4):
        UserFactory(organisation=organisation)
    page = body(scim.get("Users", {"count": 50}))
    assert page["totalResults"] == 4
    assert page["itemsPerPage"] == 3


# --- attributes / excludedAttributes ----------------------------------------------------

def test_attributes_returns_only_those_plus_id_and_schemas(scim, five_users):
    resource = body(scim.get("Users", {"attributes": "userName,name.givenName", "count": 1}))["Resources"][0]
    assert set(resource) == {"id", "schemas", "userName", "name"}
    assert set(resource["name"]) == {"givenName"}


def test_excluded_attributes_drops_them(scim, five_users):
    user = five_users[0]
    resource = body(scim.get(f"Users/{user.scim_link.scim_id}", {"excludedAttributes": "emails,meta,name.familyName"}))
    assert "emails" not in resource and "meta" not in resource
    assert "familyName" not in resource["name"] and "givenName" in resource["name"]
    assert resource["id"] == str(user.scim_link.scim_id)


def test_excluded_members_skips_loading_them(scim, organisation, django_assert_max_num_queries):
    team = TeamFactory(organisation=organisation)
    team.members.add(*[UserFactory(organisation=organisation) for _ in range(3)])
    scim.get("Groups")  # first use of the token is logged once; keep it out of the count
    with django_assert_max_num_queries(2 + 1) as captured:  # token, group
        data = body(scim.get(f"Groups/{team.scim_id}", {"excludedAttributes": "members"}))
    assert "members" not in data
    assert not any("teammembership" in q["sql"].lower() for q in captured.captured_queries)


# --- request bodies -----------------------------------------------------------------------

@pytest.mark.parametrize("payload,content_type,status,scim_type", [
    (b"{not json", "application/scim+json", 400, "invalidSyntax"),
    (b"\xff\xfe{}", "application/scim+json", 400, "invalidSyntax"),
    (b"[]", "application/scim+json", 400, "invalidSyntax"),
    (b"\"text\"", "application/json", 400, "invalidSyntax"),
    (b"", "application/scim+json", 400, "invalidSyntax"),
    (b"{\"a\": NaN}", "application/scim+json", 400, "invalidSyntax"),
    (b"{\"a\": 1e999}", "application/scim+json", 400, "invalidValue"),
    (b"{\"a\": " + b"9" * 5000 + b"}", "application/scim+json", 400, "invalidSyntax"),
    (b"{\"a\": " + b"[" * 100 + b"]" * 100 + b"}", "application/scim+json", 400, "invalidSyntax"),
    (b"{\"a\": " + b"[" * 100000 + b"]" * 100000 + b"}", "application/scim+json", 400, "invalidSyntax"),
    (b"{\"userName\": \"a\\u0000b\"}", "application/scim+json", 400, "invalidValue"),
    (b"{\"userName\": \"a\\u0007b\"}", "application/scim+json", 400, "invalidValue"),
    (b"{}", "text/html", 415, None),
    (b"userName=x", "application/x-www-form-urlencoded", 415, None),
])
def test_bad_bodies_answer_4xx_and_create_nothing(scim, organisation, payload, content_type, status, scim_type):
    before = organisation.users.count()
    assert_error(scim.post("Users", payload, content_type=content_type), status, scim_type)
    assert organisation.users.count() == before


def test_oversized_body_answers_413(scim, organisation, settings):
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "MAX_BODY_SIZE": 1000}
    assert_error(scim.post("Users", {"userName": "x" * 2000}), 413)


def test_search_reads_paging_and_filter_from_the_body(scim, five_users):
    request = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
               "filter": 'userName sw "u"', "startIndex": 2, "count": 2, "attributes": ["userName"]}
    page = body(scim.post("Users/.search", request))
    assert page["totalResults"] == 5 and page["startIndex"] == 2
    assert [r["userName"] for r in page["Resources"]] == ["u1@example.com", "u2@example.com"]
    assert set(page["Resources"][0]) == {"id", "schemas", "userName"}


def test_search_without_the_search_schema_is_a_400(scim):
    assert_error(scim.post("Users/.search", {"filter": 'userName eq "x"'}), 400, "invalidSyntax")


@pytest.mark.parametrize("method,path,payload", [
    ("post", "Users", b"{not json"),
    ("patch", "Users/{id}", b'{"Operations": "remove everything"}'),
    ("put", "Users/{id}", b"[]"),
    ("post", "Groups", b"\xff"),
])
def test_writes_refused_for_their_body_are_in_the_activity_log(scim, organisation, method, path, payload):
    from scim_provisioning.models import SCIMEvent

    user = UserFactory(organisation=organisation)
    response = getattr(scim, method)(path.format(id=user.scim_link.scim_id), payload)
    assert response.status_code == 400
    event = SCIMEvent.objects.filter(organisation=organisation, outcome="failure").latest("id")
    assert event.status_code == 400
    assert event.action.endswith({"post": ".create", "patch": ".patch", "put": ".replace"}[method])
    assert event.token_hint and event.detail


def test_attributes_with_a_value_filter_keeps_the_matching_entries(scim, organisation):
    from tests.factories import SCIMUserEmailFactory

    user = UserFactory(organisation=organisation, username="two@example.com", email=False)
    SCIMUserEmailFactory(scim_user=user.scim_link, value="work@example.com", type="work", primary=True)
    SCIMUserEmailFactory(scim_user=user.scim_link, value="home@example.com", type="home", primary=False)
    resource = body(scim.get(f"Users/{user.scim_link.scim_id}", {"attributes": 'emails[type eq "work"]'}))
    assert resource["emails"] == [{"value": "work@example.com", "primary": True, "type": "work"}]
    resource = body(scim.get(f"Users/{user.scim_link.scim_id}", {"attributes": 'emails[type eq "HOME"].value,userName'}))
    assert resource["emails"] == [{"value": "home@example.com"}] and resource["userName"] == "two@example.com"


def test_allow_header_lists_only_what_the_endpoint_answers(scim):
    response = scim.post("ServiceProviderConfig", {})
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


def test_locations_follow_the_host_and_script_prefix_of_each_request(scim, five_users, settings):
    """The base URL is built once a request (and the mount point once a prefix): requests under
    another host name or script prefix still get their own."""
    settings.ALLOWED_HOSTS = ["testserver", "scim.example.com"]
    user = five_users[0].scim_link
    plain = body(scim.get(f"Users/{user.scim_id}"))["meta"]["location"]
    set_script_prefix("/hub/")  # what the WSGI handler does for a hub mounted under /hub
    try:
        prefixed = body(scim.get(f"Users/{user.scim_id}"))["meta"]["location"]
    finally:
        set_script_prefix("/")
    other_host = body(scim.get("Users", {"count": 2}, HTTP_HOST="scim.example.com"))["Resources"]
    assert plain == f"http://testserver/scim/v2/Users/{user.scim_id}"
    assert prefixed == f"http://testserver/hub/scim/v2/Users/{user.scim_id}"
    assert [r["meta"]["location"] for r in other_host] == [
        f"http://scim.example.com/scim/v2/Users/{u.scim_link.scim_id}" for u in five_users[:2]]
    assert body(scim.get(f"Users/{user.scim_id}"))["meta"]["location"] == plain
