"""Issue 9: sign-in is throttled per account (organisation + username) and per client address,
on the hub's login and the Django admin's: over the limit, HTTP 429 with a clear message, and
even the right password does not get in until the window has passed."""

import time

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

MESSAGE = "Too many failed sign-in attempts. Try again in"


def _login(client, organisation, username, password=PASSWORD, address="203.0.113.7", url=None):
    return client.post(
        url or reverse("login"),
        {"organisation": organisation if isinstance(organisation, str) else organisation.slug,
         "username": username, "password": password},
        REMOTE_ADDR=address,
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def sam(organisation):
    return UserFactory(organisation=organisation, username="sam@acme.example", role="administrator")


def test_five_failures_lock_the_account_even_for_the_right_password(client, sam):
    for _ in range(5):
        response = _login(client, sam.organisation, sam.username, password="wrong")
        assert response.status_code == 200
        assert MESSAGE not in response.content.decode()
    response = _login(client, sam.organisation, sam.username)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in response.content.decode()
    assert not _signed_in(client)
    # From another address too: the count is the account's.
    response = _login(client, sam.organisation, sam.username, address="198.51.100.1")
    assert response.status_code == 429
    assert not _signed_in(client)


def test_the_account_is_the_organisation_and_the_username_in_any_case(client, sam, other_organisation):
    same_name_elsewhere = UserFactory(organisation=other_organisation, username=sam.username)
    for i in range(5):
        _login(client, sam.organisation, sam.username.upper() if i % 2 else sam.username, password="wrong",
               address=f"192.0.2.{i}")
    assert _login(client, sam.organisation, "SAM@acme.example", address="192.0.2.99").status_code == 429
    # The same username in another organisation is another account.
    response = _login(client, other_organisation, same_name_elsewhere.username, address="192.0.2.98")
    assert response.status_code == 302
    assert _signed_in(client)


def test_a_successful_sign_in_clears_the_accounts_failures(client, sam):
    for _ in range(4):
        _login(client, sam.organisation, sam.username, password="wrong")
    assert _login(client, sam.organisation, sam.username).status_code == 302
    client.logout()
    for _ in range(4):
        assert _login(client, sam.organisation, sam.username, password="wrong").status_code == 200
    assert _login(client, sam.organisation, sam.username).status_code == 302


def test_twenty_failures_from_one_address_lock_that_address(client, organisation, sam):
    for i in range(20):
        response = _login(client, organisation, f"guess{i}@acme.example", password="wrong", address="203.0.113.9")
        assert response.status_code == 200
    response = _login(client, organisation, sam.username, address="203.0.113.9")
    assert response.status_code == 429
    assert MESSAGE in response.content.decode()
    assert not _signed_in(client)
    # Another address signs in.
    assert _login(client, organisation, sam.username, address="203.0.113.10").status_code == 302


def test_unknown_accounts_and_organisations_are_counted_like_known_ones(client, organisation):
    for _ in range(5):
        assert _login(client, "no-such-org", "nobody@example.com", password="x").status_code == 200
    assert _login(client, "no-such-org", "nobody@example.com", password="x").status_code == 429


def test_the_window_slides(client, sam, settings):
    """Sleeps are measured from when each failure happened, with seconds of margin either side,
    so a loaded machine (slow requests) cannot move a check to the wrong side of an expiry."""
    window = 8
    settings.LOGIN_THROTTLE = {"ACCOUNT_LIMIT": 2, "WINDOW": window}

    def sleep_until(moment):
        time.sleep(max(0.0, moment - time.monotonic()))

    first = time.monotonic()
    _login(client, sam.organisation, sam.username, password="wrong")
    sleep_until(first + window / 2)
    second = time.monotonic()
    _login(client, sam.organisation, sam.username, password="wrong")
    response = _login(client, sam.organisation, sam.username)
    assert response.status_code == 429
    assert "Try again in 1 minute." in response.content.decode()
    sleep_until(first + window + 0.3)  # the first failure has left the window, the second has not
    assert _login(client, sam.organisation, sam.username, password="wrong").status_code == 200
    assert _login(client, sam.organisation, sam.username).status_code == 429
    assert time.monotonic() < second + window, "the machine was too slow to tell"
    sleep_until(time.monotonic() + window + 0.3)  # every failure has left the window
    assert _login(client, sam.organisation, sam.username).status_code == 302


def test_incomplete_forms_are_not_counted(client, sam):
    for _ in range(10):
        response = client.post(reverse("login"), {"organisation": sam.organisation.slug, "username": sam.username})
        assert response.status_code == 200
    assert _login(client, sam.organisation, sam.username).status_code == 302


# --- the Django admin's login ------------------------------------------------------------------

@pytest.fixture
def operator(organisation):
    return UserFactory(organisation=organisation, username="ops@acme.example", is_staff=True, is_superuser=True)


def test_the_admin_login_is_throttled_by_the_same_rule(client, operator):
    for _ in range(5):
        response = _login(client, operator.organisation, operator.username, password="wrong", url="/admin/login/")
        assert response.status_code == 200
    response = _login(client, operator.organisation, operator.username, url="/admin/login/?next=/admin/")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in response.content.decode()
    assert not _signed_in(client)
    assert client.get("/admin/").status_code == 302
    # One count for both doors: the hub's login is closed to this account too.
    assert _login(client, operator.organisation, operator.username).status_code == 429


def test_failures_at_the_hub_login_close_the_admin_login(client, operator):
    for _ in range(5):
        _login(client, operator.organisation, operator.username, password="wrong")
    assert _login(client, operator.organisation, operator.username, url="/admin/login/").status_code == 429


def test_the_admin_login_still_works(client, operator):
    response = _login(client, operator.organisation, operator.username, url="/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
