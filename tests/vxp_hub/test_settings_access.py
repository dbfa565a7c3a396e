"""Only an organisation's owner and administrators open its settings; others get 403."""

import pytest
from django.urls import reverse

PAGES = ["settings-general", "settings-teams", "settings-users"]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, db, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["owner", "administrator"])
def test_owner_and_administrator_open_settings(client, request, page, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert user.organisation.name in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_member_gets_403(client, member, page):
    client.force_login(member)
    response = client.get(reverse(page))
    assert response.status_code == 403
    assert "My account" in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_administrator_of_another_organisation_sees_only_their_own(client, organisation, other_administrator, page):
    client.force_login(other_administrator)
    response = client.get(reverse(page))
    assert response.status_code == 200
    body = response.content.decode()
    assert other_administrator.organisation.name in body
    assert organisation.name not in body
