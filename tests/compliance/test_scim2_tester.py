"""scim2-tester (an RFC 7643/7644 checker maintained outside this project) against the live
server, over real HTTP (scim2-client's httpx2 engine), in two configurations:

- ``discovery``: the checker describes the server from what it publishes on
  ``/ServiceProviderConfig``, ``/ResourceTypes`` and ``/Schemas``;
- ``standard``: the client is told the standard models up front, ``User`` with the enterprise
  extension (``User[EnterpriseUser]``) and ``Group`` (RFC 7643 §4, §4.3), so the checker holds
  the server to the standard schemas rather than to what it says about itself.

Every check must succeed. A skip is accepted only with one of the reasons in ``ALLOWED_SKIPS``
(features ServiceProviderConfig declares unsupported, or the RFC allows to leave out). A check
that fails because of a known product bug is listed in ``KNOWN_PRODUCT_BUGS``: the main test
ignores it, and ``test_known_product_bug`` expects it to fail (``xfail(strict=True)``), so it
turns red the day the bug is fixed and the entry must go.

The checker runs once per configuration and pytest session; the summary (checks run, passed,
skipped with reasons) is printed in the terminal summary of every run (see ``conftest.py``)
and attached to the test as ``record_property("scim2_tester_<mode>", …)`` for JUnit XML.
"""

from collections import Counter

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import EnterpriseUser, Group, ResourceType, ScimProvider, User
from scim2_tester import CheckResult, Status, check_server

from . import summary

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

MODES = ("discovery", "standard")

# Skip reasons scim2-tester may give, and why each is honest here. scim2-tester 0.5.2 has no
# checks for bulk, sort, etag or changePassword (declared unsupported in ServiceProviderConfig),
# so those never show up as skips; PATCH is supported, so no PATCH check may be skipped.
ALLOWED_SKIPS = {
    "POST /.search: searching several resource types at once is not supported by the server":
        "RFC 7644 §3.4.3 lets a server answer 501 to a search at the root; /Users/.search and "
        "/Groups/.search are supported and checked by the suites",
}

# "<mode> <check key>" -> the precise product bug. Each one is an xfail(strict=True) below.
KNOWN_PRODUCT_BUGS: dict[str, str] = {}


def check_key(result: CheckResult) -> str:
    """A stable name for one check: resource type, checker, and the attribute or method it is
    about (the reasons carry random ids, so they are not part of it)."""
    parts = [result.resource_type or "-", result.title or "?"]
    data = result.data if isinstance(result.data, dict) else {}
    if data.get("urn"):
        parts.append(str(data["urn"]))
    elif result.title and result.title.endswith("_endpoint_methods") and result.reason:
        parts.append(result.reason.split()[0])
    return " ".join(parts)


def make_client(tenant, mode: str) -> SyncSCIMClient:
    http = httpx2.Client(base_url=tenant.base_url, headers={"Authorization": f"Bearer {tenant.token}"},
                         timeout=60)
    if mode == "discovery":
        return SyncSCIMClient(http)
    provider = ScimProvider(
        models=[User, EnterpriseUser, Group],
        resource_types=[ResourceType.from_resource(User[EnterpriseUser]), ResourceType.from_resource(Group)],
    )
    return SyncSCIMClient(http, provider=provider)


_results: dict[str, list[CheckResult]] = {}


def results_for(tenant, mode: str) -> list[CheckResult]:
    """Run the checker once per mode and session (the first test asking runs it)."""
    if mode not in _results:
        client = make_client(tenant, mode)
        try:
            _results[mode] = check_server(client)
        finally:
            client.client.close()
        summary.record(mode, _results[mode], ALLOWED_SKIPS, KNOWN_PRODUCT_BUGS, check_key)
    return _results[mode]


def describe(result: CheckResult) -> str:
    data = result.data if isinstance(result.data, dict) else {}
    extra = {k: v for k, v in data.items() if k != "urn"} if data else result.data
    text = f"{result.status.name} {check_key(result)}: {result.reason}"
    if extra is not None:
        text += f"\n      data: {str(extra)[:600]}"
    return text


@pytest.mark.parametrize("mode", MODES)
def test_scim2_tester(tenant, mode, record_property):
    results = results_for(tenant, mode)
    record_property(f"scim2_tester_{mode}", summary.text(mode))

    unexpected = []
    for result in results:
        key = check_key(result)
        if f"{mode} {key}" in KNOWN_PRODUCT_BUGS:
            continue
        if result.status == Status.SUCCESS:
            continue
        if result.status == Status.SKIPPED and result.reason in ALLOWED_SKIPS:
            continue
        unexpected.append(describe(result))

    counts = Counter(r.status.name for r in results)
    assert results and counts["SUCCESS"], f"scim2-tester ran no successful check: {counts}"
    assert not unexpected, (
        f"{len(unexpected)} of {len(results)} scim2-tester checks did not succeed ({mode}):\n  "
        + "\n  ".join(unexpected) + "\n\n" + summary.text(mode))


if KNOWN_PRODUCT_BUGS:
    @pytest.mark.parametrize("entry", [
        pytest.param(entry, marks=pytest.mark.xfail(strict=True, reason=bug), id=entry)
        for entry, bug in KNOWN_PRODUCT_BUGS.items()
    ])
    def test_known_product_bug(tenant, entry):
        """Each known bug's check still fails; when it passes, remove it from KNOWN_PRODUCT_BUGS."""
        mode, key = entry.split(" ", 1)
        matching = [r for r in results_for(tenant, mode) if check_key(r) == key]
        assert matching, f"scim2-tester no longer runs {key!r} ({mode})"
        assert all(r.status == Status.SUCCESS for r in matching), "\n".join(describe(r) for r in matching)
