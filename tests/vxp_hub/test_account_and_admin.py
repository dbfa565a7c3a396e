"""A member sees a real page (who they are, who administers them, log out), never a bare 403;
the Django admin signs in with the organisation and never shows a password hash."""

import pytest
from django.urls import reverse

from vxp_hub.models import Role, User


@pytest.fixture
def admin_with_email(administrator):
    # The account page shows the hub's User.email (the primary e-mail), not the username.
    User.objects.filter(pk=administrator.pk).update(email="it-desk@acme.example")
    return administrator


def test_member_lands_on_my_account_after_login(client, member, owner, admin_with_email):
    member.set_password("pw-123456789")
    member.save()
    response = client.post(reverse("login"), {"organisation": "acme", "username": member.username,
                                              "password": "pw-123456789"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account")
    body = response.content.decode()
    assert "My account" in body and member.username in body
    assert owner.username in body and "mailto:it-desk@acme.example" in body
    assert reverse("logout") in body


@pytest.mark.parametrize("page", ["settings-general", "settings-teams", "settings-users", "settings-activity"])
def test_member_on_a_settings_page_gets_403_with_the_full_page(client, member, owner, page):
    client.force_login(member)
    response = client.get(reverse(page))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Only your organisation&#x27;s owner and administrators may open its settings." in body
    assert owner.username in body and "Log out" in body


def test_administrator_lands_on_settings(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("home"))["Location"] == reverse("settings-general")


def _superuser(organisation):
    return User.objects.create_superuser("ops@acme.example", organisation, password="ops-pass-123456")


def test_admin_login_with_organisation(client, organisation):
    _superuser(organisation)
    page = client.get("/admin/login/").content.decode()
    assert 'name="organisation"' in page
    response = client.post("/admin/login/?next=/admin/", {"organisation": "acme", "username": "ops@acme.example",
                                                          "password": "ops-pass-123456", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_login_refuses_non_staff(client, owner):
    owner.set_password("owner-pass-1234")
    owner.save()
    response = client.post("/admin/login/", {"organisation": "acme", "username": owner.username,
                                             "password": "owner-pass-1234"})
    assert response.status_code == 200
    assert "staff account" in response.content.decode()


def test_user_change_page_hides_the_hash_and_sets_a_password(client, organisation, member):
    ops = _superuser(organisation)
    client.force_login(ops)
    member.set_password("old-pass-123456")
    member.save()
    body = client.get(f"/admin/vxp_hub/user/{member.pk}/change/").content.decode()
    assert member.password not in body and member.password.split("$")[-1] not in body
    assert "md5" not in body.lower() and 'href="../password/"' in body
    response = client.post(f"/admin/vxp_hub/user/{member.pk}/password/",
                           {"password1": "new-pass-98765!", "password2": "new-pass-98765!", "usable_password": "true"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("new-pass-98765!")


def test_user_change_saves_without_touching_the_password(client, organisation, member):
    ops = _superuser(organisation)
    client.force_login(ops)
    member.set_password("keep-pass-12345")
    member.save()
    page = client.get(f"/admin/vxp_hub/user/{member.pk}/change/")
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k not in ("password",)}
    data.update({"given_name": "Renamed", "organisation": organisation.pk, "role": Role.MEMBER,
                 "is_active": "on", "profile": member.profile_id or ""})
    data = {k: v for k, v in data.items() if not isinstance(v, bool) or v}
    data = {k: ("on" if v is True else v) for k, v in data.items()}
    response = client.post(f"/admin/vxp_hub/user/{member.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert member.given_name == "Renamed" and member.check_password("keep-pass-12345")


def test_bad_profile_id_is_an_error_that_keeps_the_mapping(org_admin_client, organisation, profiles):
    from teams.models import Team

    team = Team.objects.create(organisation=organisation, name="Marketing", profile=profiles["Editor"])
    response = org_admin_client.post(reverse("settings-team-edit", args=[team.pk]), {"profile": "999999"})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'value="{profiles["Editor"].pk}" selected' in body
    assert f"Editor (rank {profiles['Editor'].rank})" in body
    team.refresh_from_db()
    assert team.profile == profiles["Editor"]
