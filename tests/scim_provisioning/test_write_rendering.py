"""Nothing commits unless the client is told it succeeded: the response of a SCIM write is
built inside the write's transaction, so a host adapter that cannot render what it wrote
rolls the write back, the client gets a SCIM 500, and the activity log says failure."""

import pytest

from scim_provisioning.adapters.users import UserAdapter
from scim_provisioning.models import SCIMEvent, SCIMUser
from vxp_hub.models import User

from .users import USER, assert_error, patch_body


class UnrenderableUserAdapter(UserAdapter):
    """A host's adapter with a bug in its representation (e.g. a model field it expects is
    missing): it writes fine and fails while rendering."""

    def to_dict(self):
        raise AttributeError("'User' object has no attribute 'scim_attributes'")


@pytest.fixture
def broken_rendering(settings):
    settings.SCIM_PROVISIONING = {
        **settings.SCIM_PROVISIONING,
        "USER_ADAPTER": f"{__name__}.UnrenderableUserAdapter",
    }


def _last_event(organisation, action):
    return SCIMEvent.objects.filter(organisation=organisation, action=action).latest("id")


@pytest.mark.django_db(transaction=True)
def test_a_create_that_cannot_be_rendered_is_rolled_back(scim, organisation, broken_rendering):
    response = scim.post("Users", {"schemas": [USER], "userName": "half@example.com"})

    assert_error(response, 500)
    assert not User.objects.filter(organisation=organisation, username__iexact="half@example.com").exists()
    event = _last_event(organisation, "user.create")
    assert event.outcome == SCIMEvent.Outcome.FAILURE
    assert event.status_code == 500


@pytest.mark.django_db(transaction=True)
def test_a_retry_after_the_failure_creates_the_user(scim, organisation, broken_rendering, settings):
    scim.post("Users", {"schemas": [USER], "userName": "retry@example.com"})
    settings.SCIM_PROVISIONING = {k: v for k, v in settings.SCIM_PROVISIONING.items() if k != "USER_ADAPTER"}

    response = scim.post("Users", {"schemas": [USER], "userName": "retry@example.com"})

    assert response.status_code == 201, response.content


@pytest.mark.django_db(transaction=True)
def test_a_patch_that_cannot_be_rendered_changes_nothing(scim, organisation, settings):
    user_id = scim.post("Users", {"schemas": [USER], "userName": "kept@example.com", "title": "Before"}).json()["id"]
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "USER_ADAPTER": f"{__name__}.UnrenderableUserAdapter"}

    response = scim.patch(f"Users/{user_id}", patch_body({"op": "replace", "path": "title", "value": "After"}))

    assert_error(response, 500)
    link = SCIMUser.objects.select_related("user").get(organisation=organisation, scim_id=user_id)
    assert (link.title, link.user.title) == ("Before", "Before")  # the SCIM user and the hub's mirror
    assert _last_event(organisation, "user.patch").outcome == SCIMEvent.Outcome.FAILURE
