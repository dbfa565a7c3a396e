"""Login takes the organisation into account; deactivation ends sessions for good."""

from django.urls import reverse

from tests.factories import PASSWORD, UserFactory


def _login(client, organisation, username, password=PASSWORD):
    return client.post(
        reverse("login"), {"organisation": organisation.slug, "username": username, "password": password}
    )


def test_login_page_renders(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="organisation"' in response.content.decode()


def test_same_username_logs_into_its_own_organisation(client, organisation, other_organisation):
    ours = UserFactory(organisation=organisation, username="sam@example.com", role="administrator")
    UserFactory(organisation=other_organisation, username="sam@example.com", password="another-password-123")
    response = _login(client, organisation, "SAM@example.com")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(ours.pk)


def test_wrong_organisation_refuses_login(client, organisation, other_organisation):
    UserFactory(organisation=organisation, username="sam@example.com")
    response = _login(client, other_organisation, "sam@example.com")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(client, administrator):
    assert _login(client, administrator.organisation, administrator.username).status_code == 302
    assert client.get(reverse("settings-general")).status_code == 200

    administrator.is_active = False
    administrator.session_version += 1
    administrator.save()
    assert client.get(reverse("settings-general")).status_code == 302  # anonymous again

    administrator.is_active = True
    administrator.save()
    assert client.get(reverse("settings-general")).status_code == 302  # old session stays dead
    assert _login(client, administrator.organisation, administrator.username).status_code == 302
