"""Token lifecycle through scim_provisioning.services, on the real database."""

from datetime import timedelta

import pytest

from scim_provisioning.models import SCIMEvent, SCIMToken
from scim_provisioning.services import TokenChanged, token_authenticate, token_generate, token_revoke


@pytest.fixture
def interval(settings):
    """Set TOKEN_LAST_USED_INTERVAL (seconds) for the test."""

    def set_interval(seconds):
        settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "TOKEN_LAST_USED_INTERVAL": seconds}

    return set_interval


def test_generate_stores_digest_and_hint_only(organisation, administrator):
    token, raw = token_generate(organisation=organisation, created_by=administrator)
    token.refresh_from_db()
    assert token.digest != raw and raw not in token.digest
    assert token.hint == f"vxpscim_…{raw[-4:]}"
    assert token.created_by == administrator
    assert token.is_active and token.last_used_at is None


def test_generate_authenticate_regenerate_revoke(organisation, administrator):
    first, first_raw = token_generate(organisation=organisation, created_by=administrator)
    assert token_authenticate(first_raw) == first

    second, second_raw = token_generate(organisation=organisation, created_by=administrator)
    assert token_authenticate(first_raw) is None
    assert token_authenticate(second_raw) == second
    first.refresh_from_db()
    assert first.revoked_at is not None and first.revoked_by == administrator

    assert token_revoke(organisation=organisation, revoked_by=administrator) == second
    assert token_authenticate(second_raw) is None
    assert not SCIMToken.objects.filter(organisation=organisation, revoked_at__isnull=True).exists()


def test_authenticate_returns_the_token_with_its_organisation(organisation, django_assert_num_queries):
    token, raw = token_generate(organisation=organisation)
    token_authenticate(raw)  # first use: writes last_used_at
    with django_assert_num_queries(1):
        found = token_authenticate(raw)
        assert found.organisation == organisation


def test_revoke_without_an_active_token_returns_none(organisation):
    assert token_revoke(organisation=organisation) is None
    assert not SCIMEvent.objects.exists()


def test_tokens_of_two_organisations_are_independent(organisation, other_organisation):
    ours, ours_raw = token_generate(organisation=organisation)
    theirs, theirs_raw = token_generate(organisation=other_organisation)
    token_revoke(organisation=other_organisation)
    assert token_authenticate(ours_raw) == ours
    assert token_authenticate(theirs_raw) is None


@pytest.mark.parametrize(
    "raw",
    ["", "Bearer", "not-a-token", "vxpscim_", "vxpscim_short", "xxxscim_" + "a" * 43, "vxpscim_" + "a" * 42 + "="],
)
def test_malformed_token_is_refused_without_touching_the_database(organisation, django_assert_num_queries, raw):
    token_generate(organisation=organisation)
    with django_assert_num_queries(0):
        assert token_authenticate(raw) is None


def test_well_formed_but_unknown_token_is_refused(organisation, django_assert_num_queries):
    _, raw = token_generate(organisation=organisation)
    forged = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    with django_assert_num_queries(1):
        assert token_authenticate(forged) is None


def test_prefix_comes_from_settings(organisation, settings):
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "TOKEN_PREFIX": "acme_"}
    token, raw = token_generate(organisation=organisation)
    assert raw.startswith("acme_") and token.hint.startswith("acme_…")
    assert token_authenticate(raw) == token


def test_last_used_at_is_written_at_most_once_per_interval(organisation, interval, django_assert_num_queries):
    interval(3600)
    token, raw = token_generate(organisation=organisation)

    with django_assert_num_queries(3):  # look up, write last_used_at, log the first use
        token_authenticate(raw)
    token.refresh_from_db()
    first_seen = token.last_used_at
    assert first_seen is not None

    for _ in range(5):
        with django_assert_num_queries(1):  # look up only: within the interval
            token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at == first_seen

    interval(0)
    with django_assert_num_queries(2):  # look up, write last_used_at; no second first-use
        token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at > first_seen


def test_last_used_at_is_written_again_once_the_interval_has_passed(organisation, interval, django_assert_num_queries):
    interval(60)
    token, raw = token_generate(organisation=organisation)
    token_authenticate(raw)
    token.refresh_from_db()
    # Move the last use back in time instead of sleeping.
    earlier = token.last_used_at - timedelta(seconds=61)
    SCIMToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    with django_assert_num_queries(2):
        token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at > earlier + timedelta(seconds=60)


def test_first_use_is_logged_exactly_once(organisation, administrator, interval):
    interval(0)  # every use writes last_used_at; the first-use event must still be logged once
    token, raw = token_generate(organisation=organisation, created_by=administrator)
    for _ in range(3):
        token_authenticate(raw)
    events = SCIMEvent.objects.filter(organisation=organisation, action="token.first_use")
    assert events.count() == 1
    assert events.get().token == token and events.get().token_hint == token.hint


def test_first_use_of_each_new_token_is_logged(organisation):
    _, first_raw = token_generate(organisation=organisation)
    token_authenticate(first_raw)
    _, second_raw = token_generate(organisation=organisation)
    token_authenticate(second_raw)
    assert SCIMEvent.objects.filter(action="token.first_use").count() == 2


def test_generate_and_revoke_are_logged_with_the_actor(organisation, owner, administrator):
    first, _ = token_generate(organisation=organisation, created_by=owner)
    second, _ = token_generate(organisation=organisation, created_by=administrator)
    token_revoke(organisation=organisation, revoked_by=owner)
    logged = list(
        SCIMEvent.objects.filter(organisation=organisation).order_by("id").values_list("action", "token_id", "actor_id")
    )
    assert logged == [
        ("token.generated", first.pk, owner.pk),
        ("token.revoked", first.pk, administrator.pk),
        ("token.generated", second.pk, administrator.pk),
        ("token.revoked", second.pk, owner.pk),
    ]


def test_generate_with_replaces_refuses_a_stale_view(organisation):
    with pytest.raises(TokenChanged):
        token_generate(organisation=organisation, replaces=12345)  # saw a token; there is none
    first, first_raw = token_generate(organisation=organisation, replaces=None)

    with pytest.raises(TokenChanged):
        token_generate(organisation=organisation, replaces=None)  # saw none; there is one now
    assert token_authenticate(first_raw) == first
    assert SCIMToken.objects.count() == 1

    second, _ = token_generate(organisation=organisation, replaces=first.pk)
    with pytest.raises(TokenChanged):
        token_generate(organisation=organisation, replaces=first.pk)  # the same form, replayed
    assert list(SCIMToken.objects.filter(revoked_at__isnull=True)) == [second]
