"""Per-token SCIM rate limit: 429 + Retry-After + a SCIM error body, nothing done; counted per
token in the shared cache (the database cache, and Redis), one activity line per minute."""

import socket
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils import timezone

from scim_provisioning.activity import event_throttled
from scim_provisioning.models import SCIMEvent
from vxp_hub.models import User

from .users import assert_error

USERS_FILTER = {"filter": 'userName eq "nobody@example.com"'}


@pytest.fixture
def rate_limit(settings):
    """Switch the limit on (the suite runs without one) with a fresh counter namespace: the
    database cache table outlives transactional tests, and Redis outlives the run."""
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}

    def set_limit(value, cache="default"):
        settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "RATE_LIMIT": value, "RATE_LIMIT_CACHE": cache}

    return set_limit


def _away_from_the_window_end(seconds: int, margin: float) -> None:
    """Sleep past the end of the current window when less than ``margin`` seconds are left,
    so a test's requests all land in one window."""
    left = seconds - time.time() % seconds
    if left < margin:
        time.sleep(left + 0.01)


def test_over_the_limit_is_a_scim_429_with_retry_after_and_nothing_is_done(rate_limit, scim, organisation):
    rate_limit("3/h")
    _away_from_the_window_end(3600, 5)
    for _ in range(3):
        assert scim.get("Users", USERS_FILTER).status_code == 200
    response = scim.post("Users", {"userName": "refused@example.com"})
    body = assert_error(response, 429)
    assert "3/h" in body["detail"]
    expected = 3600 - time.time() % 3600
    retry_after = int(response["Retry-After"])
    assert abs(retry_after - expected) <= 2 and retry_after >= 1
    assert not User.objects.filter(organisation=organisation, username="refused@example.com").exists()
    # Still refused, whatever the endpoint (discovery included).
    assert scim.get("ServiceProviderConfig").status_code == 429


def test_another_token_keeps_its_own_allowance(rate_limit, scim, other_scim):
    rate_limit("2/h")
    _away_from_the_window_end(3600, 5)
    assert [scim.get("Users", USERS_FILTER).status_code for _ in range(3)] == [200, 200, 429]
    assert [other_scim.get("Users", USERS_FILTER).status_code for _ in range(2)] == [200, 200]
    assert other_scim.get("Users", USERS_FILTER).status_code == 429


def test_a_request_without_a_valid_token_is_401_not_counted(rate_limit, scim, client):
    rate_limit("1/h")
    _away_from_the_window_end(3600, 5)
    for _ in range(3):
        assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION="Bearer vxpscim_wrong").status_code == 401
    assert scim.get("Users", USERS_FILTER).status_code == 200


def test_the_window_resets(rate_limit, scim):
    assert scim.get("Users", USERS_FILTER).status_code == 200  # warm up, no limit yet
    rate_limit("2/s")
    _away_from_the_window_end(1, 0.6)
    statuses = [scim.get("Users", USERS_FILTER).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    time.sleep(1 - time.time() % 1 + 0.01)
    assert scim.get("Users", USERS_FILTER).status_code == 200


def test_no_limit_when_switched_off(rate_limit, scim):
    rate_limit(None)
    assert all(scim.get("ServiceProviderConfig").status_code == 200 for _ in range(30))


def test_refusals_make_one_activity_line_per_minute_and_token(rate_limit, scim, other_scim, scim_token):
    rate_limit("1/h")
    _away_from_the_window_end(60, 5)  # the minute too: all refusals on one line
    assert scim.get("Users", USERS_FILTER).status_code == 200
    for _ in range(3):
        assert scim.get("Users", USERS_FILTER).status_code == 429
    assert other_scim.get("Users", USERS_FILTER).status_code == 200
    assert other_scim.get("Users", USERS_FILTER).status_code == 429
    events = list(SCIMEvent.objects.filter(action="request.throttled").order_by("id"))
    assert [(e.token.organisation.slug, e.detail, e.status_code, e.outcome) for e in events] == [
        ("acme", "3 requests refused over the limit 1/h", 429, "failure"),
        ("globex", "1 request refused over the limit 1/h", 429, "failure"),
    ]
    # The next minute starts a new line; the last minute's stays as it was.
    token = events[0].token
    event_throttled(token=token, limit="1/h", now=timezone.now() + timedelta(minutes=1))
    lines = list(SCIMEvent.objects.filter(action="request.throttled", token=token).order_by("id"))
    assert [e.detail for e in lines] == ["3 requests refused over the limit 1/h",
                                         "1 request refused over the limit 1/h"]


def test_the_administrator_sees_the_throttled_line(rate_limit, scim, org_admin_client):
    rate_limit("1/h")
    _away_from_the_window_end(60, 5)
    scim.get("Users", USERS_FILTER)
    scim.get("Users", USERS_FILTER)
    page = org_admin_client.get("/settings/organisation/scim-activity/")
    assert page.status_code == 200
    assert "1 request refused over the limit 1/h" in page.content.decode()


def _hammer(raw_token: str, count: int, path="/scim/v2/ServiceProviderConfig") -> list[int]:
    barrier = threading.Barrier(count)
    statuses = [None] * count

    def get(index):
        try:
            barrier.wait(timeout=30)
            statuses[index] = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {raw_token}").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=get, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_counted_exactly_in_the_database_cache(rate_limit, scim_token):
    rate_limit("10/h")
    _away_from_the_window_end(3600, 30)
    statuses = _hammer(scim_token, 24)
    assert sorted(statuses) == [200] * 10 + [429] * 14, statuses
    event = SCIMEvent.objects.get(action="request.throttled")
    assert event.detail == "14 requests refused over the limit 10/h"


@pytest.mark.django_db(transaction=True)
def test_the_database_cache_incr_loses_no_increment_between_threads(settings):
    cache = caches["default"]
    key = f"incr-{uuid.uuid4().hex}"
    assert cache.add(key, 0, 60)
    barrier = threading.Barrier(8)

    def bump():
        try:
            barrier.wait(timeout=30)
            for _ in range(20):
                cache.incr(key)
        finally:
            connection.close()

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert cache.get(key) == 160
    with pytest.raises(ValueError):
        cache.incr(f"missing-{key}")


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def redis_cache(settings):
    if not _redis_reachable():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    settings.CACHES = {**settings.CACHES, "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
        "KEY_PREFIX": f"vxp-test-{uuid.uuid4().hex}",  # other runs may share the server
    }}
    return "redis"


@pytest.mark.django_db(transaction=True)
def test_the_limit_counts_in_redis_too(rate_limit, redis_cache, scim_token, other_scim_token):
    rate_limit("10/h", cache=redis_cache)
    _away_from_the_window_end(3600, 30)
    statuses = _hammer(scim_token, 24)
    assert sorted(statuses) == [200] * 10 + [429] * 14, statuses
    response = Client().get("/scim/v2/Users", USERS_FILTER, HTTP_AUTHORIZATION=f"Bearer {scim_token}")
    assert_error(response, 429)
    assert int(response["Retry-After"]) >= 1
    assert Client().get("/scim/v2/Users", USERS_FILTER,
                        HTTP_AUTHORIZATION=f"Bearer {other_scim_token}").status_code == 200
    # The counters really are in Redis, not in the database cache.
    assert any(key for key in caches[redis_cache]._cache.get_client().scan_iter(
        f"{caches[redis_cache].key_prefix}:*scim-rate:*"))
    assert SCIMEvent.objects.get(action="request.throttled").detail == "15 requests refused over the limit 10/h"


def test_the_redis_window_resets(rate_limit, redis_cache, scim):
    assert scim.get("Users", USERS_FILTER).status_code == 200  # warm up, no limit yet
    caches[redis_cache].get("warm-up")
    rate_limit("2/s", cache=redis_cache)
    _away_from_the_window_end(1, 0.6)
    assert [scim.get("Users", USERS_FILTER).status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(1 - time.time() % 1 + 0.01)
    assert scim.get("Users", USERS_FILTER).status_code == 200


def test_manage_py_check_reports_an_invalid_rate_limit(settings):
    from django.core.checks import run_checks

    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "RATE_LIMIT": "50 per second"}
    errors = [e for e in run_checks() if e.id == "scim_provisioning.E006"]
    assert len(errors) == 1
    assert "use N/s, N/m or N/h" in errors[0].msg


def test_oauth_access_tokens_are_limited_per_client(rate_limit, client, organisation):
    """A client cannot escape the limit by asking the token endpoint for more access tokens;
    the refusals are summed on one activity line."""
    from scim_provisioning.oauth import oauth_client_create, oauth_token_issue
    from tests.conftest import SCIMClient

    oauth_client, _, secret = oauth_client_create(organisation=organisation)
    first = SCIMClient(client, oauth_token_issue(client_id=oauth_client.client_id, client_secret=secret)[1])
    second = SCIMClient(client, oauth_token_issue(client_id=oauth_client.client_id, client_secret=secret)[1])
    rate_limit("2/h")
    _away_from_the_window_end(3600, 5)
    assert first.get("Users", USERS_FILTER).status_code == 200
    assert second.get("Users", USERS_FILTER).status_code == 200
    assert_error(second.get("Users", USERS_FILTER), 429)
    assert_error(first.get("Users", USERS_FILTER), 429)
    [line] = SCIMEvent.objects.filter(action="request.throttled")
    assert line.token is None and line.token_hint.endswith("(OAuth)")
    assert line.detail.startswith("2 requests refused")
