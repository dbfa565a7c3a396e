"""What issue 9's fuzzer found, through HTTP: each answers a 4xx SCIM error and changes nothing."""

import pytest

from .users import assert_error, organisation_state

# Raw bytes: json.dumps would refuse to write a lone surrogate, a fuzzer does not.
SURROGATE_BODIES = {
    "POST Users userName": ("post", "Users", b'{"userName": "\\ud800x"}'),
    "POST Groups displayName": ("post", "Groups", b'{"displayName": "\\udfff"}'),
    "POST Users/.search filter": ("post", "Users/.search",
                                  b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],'
                                  b' "filter": "userName eq \\"\\ud800\\""}'),
}


@pytest.mark.parametrize("name", SURROGATE_BODIES)
def test_lone_surrogates_in_a_body_answer_400(scim, organisation, member, name):
    method, url, raw = SURROGATE_BODIES[name]
    before = organisation_state(organisation)
    assert_error(getattr(scim, method)(url, raw), 400)
    assert organisation_state(organisation) == before


def test_a_lone_surrogate_in_a_patch_value_answers_400(scim, organisation, member):
    before = organisation_state(organisation)
    raw = (b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations":'
           b' [{"op": "replace", "path": "displayName", "value": "a\\udbffb"}]}')
    assert_error(scim.patch(f"Users/{member.scim_link.scim_id}", raw), 400, "invalidValue")
    assert organisation_state(organisation) == before
