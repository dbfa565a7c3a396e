"""Large groups are streamed (issue 11): GET /Groups/{id} and list pages whose groups have more
than ``STREAM_THRESHOLD`` members in all answer through a StreamingHttpResponse, reading the
members through one cursor, chunk by chunk.

The contract: the streamed body is byte for byte the body the one-piece rendering produces
(obtained by raising the module's threshold, so the same request takes the old path), with the
same headers except Content-Length; small groups are not streamed; SCIM errors are decided
before streaming; statement counts do not grow with the member count.
"""

import gc
import json
import re
import tracemalloc

import pytest

from scim_provisioning.models import SCIMUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scim_provisioning.adapters import groups as groups_adapter
from tests import factories

from .group_helpers import ERROR, LIST_RESPONSE

# token; group; members (the first STREAM_THRESHOLD + 1 rows; all of them for a small group)
GET_GROUP = 3
# PostgreSQL: the cursor is planned for its whole result (cursor_tuple_fraction set, put back)
CURSOR_PLANNING = 2 if connection.vendor == "postgresql" else 0
# the same, and the cursor over every member of a large group
GET_STREAMED_GROUP = GET_GROUP + 1 + CURSOR_PLANNING
# token; page; members (+ the cursor when streamed)
LIST_GROUPS = 3
LIST_STREAMED_GROUPS = LIST_GROUPS + 1 + CURSOR_PLANNING

NEVER = 10**9  # a threshold no test group reaches: the one-piece rendering


def body(response) -> bytes:
    """The whole body of a response, streamed or not (reading it runs the streamed queries)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def warm(scim):
    """The first request of a token writes its first-use bookkeeping; keep it out of budgets."""
    scim.get("Groups?count=0")
    return scim


def _team(organisation, name: str, size: int, **fields):
    team = factories.TeamFactory(organisation=organisation, name=name, scim_managed=True, **fields)
    prefix = name.lower().replace(" ", "-")
    factories.bulk_memberships(team, factories.bulk_users(organisation, size, prefix=f"{prefix}-"))
    return team


@pytest.fixture
def large(organisation):
    # Display names with characters the renderer escapes or keeps (non-ASCII, quotes, U+2028).
    team = _team(organisation, "Everyone", 3_000, external_id="ext-\u2028-\"é\"")
    first = team.members.order_by("pk").first()
    SCIMUser.objects.filter(user=first).update(user_name="zoë\u2029\"quoted\"@example.com")  # the member display
    # and what else json.dumps escapes or keeps: a backslash, a control character (a hand edit),
    # a character outside the BMP.
    second = team.members.order_by("pk")[1]
    SCIMUser.objects.filter(user=second).update(user_name="back\\slash\x01\U0001F600@example.com")
    return team


@pytest.fixture
def small(organisation):
    return _team(organisation, "Few", 30)


def _both(scim, monkeypatch, path: str):
    """(streamed response, its body, one-piece response, its body) for ``path``."""
    streamed = scim.get(path)
    streamed_body = body(streamed)
    monkeypatch.setattr(groups_adapter, "STREAM_THRESHOLD", NEVER)
    whole = scim.get(path)
    monkeypatch.undo()
    return streamed, streamed_body, whole, body(whole)


def _same_cursor(content: bytes) -> bytes:
    return re.sub(rb'"(next|previous)Cursor":"[^"]*"', rb'"\1Cursor":"(signed)"', content)


def _headers(response) -> dict:
    return {k: v for k, v in response.items() if k not in ("Content-Length", "X-Request-Id")}


@pytest.mark.parametrize("query", [
    "",
    "?attributes=displayName,members",
    "?attributes=members,externalId",
    "?excludedAttributes=externalId,meta",
    "?attributes=urn:ietf:params:scim:schemas:core:2.0:Group:members",
])
def test_a_large_group_streams_the_bytes_of_the_one_piece_rendering(warm, large, monkeypatch, query):
    streamed, streamed_body, whole, whole_body = _both(warm, monkeypatch, f"Groups/{large.scim_id}{query}")
    assert streamed.streaming and not whole.streaming
    assert streamed.status_code == whole.status_code == 200
    assert streamed_body == whole_body
    assert _headers(streamed) == _headers(whole)
    assert "Content-Length" not in streamed
    members = json.loads(streamed_body)["members"]
    assert len(members) == 3_000
    assert members[0]["display"] == "zoë\u2029\"quoted\"@example.com"
    assert [m["value"] for m in members] == [
        str(i) for i in large.members.order_by("pk").values_list("scim_links__scim_id", flat=True)]


def test_a_page_of_groups_streams_the_bytes_of_the_one_piece_rendering(warm, organisation, large, small, monkeypatch):
    empty = factories.TeamFactory(organisation=organisation, name="Nobody", scim_managed=True)
    _team(organisation, "Middle", 1_500)
    for path in ("Groups?count=10", "Groups?count=10&attributes=members", "Groups?cursor=&count=3",
                 "Groups?filter=displayName ne \"x\"&count=4"):
        streamed, streamed_body, whole, whole_body = _both(warm, monkeypatch, path)
        assert streamed.streaming and not whole.streaming, path
        # A nextCursor is signed with its time (it expires): the two requests may be a second apart.
        assert _same_cursor(streamed_body) == _same_cursor(whole_body), path
        assert _headers(streamed) == _headers(whole), path
    resources = json.loads(streamed_body)["Resources"]
    assert [len(g["members"]) for g in resources] == [3_000, 30, 0, 1_500]
    assert resources[2]["id"] == str(empty.scim_id)


def test_search_pages_stream_too(warm, large, monkeypatch):
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": 5}
    streamed = warm.post("Groups/.search", search)
    monkeypatch.setattr(groups_adapter, "STREAM_THRESHOLD", NEVER)
    whole = warm.post("Groups/.search", search)
    assert streamed.streaming and body(streamed) == body(whole)


def test_small_groups_and_pages_are_not_streamed(warm, small, large):
    response = warm.get(f"Groups/{small.scim_id}")
    assert not response.streaming
    assert response["Content-Type"] == "application/scim+json"
    assert len(response.json()["members"]) == 30
    assert not warm.get(f"Groups?filter=displayName eq \"Few\"").streaming


def test_exactly_the_threshold_is_not_streamed_one_more_is(warm, organisation, large, monkeypatch):
    monkeypatch.setattr(groups_adapter, "STREAM_THRESHOLD", 3_000)
    assert not warm.get(f"Groups/{large.scim_id}").streaming
    monkeypatch.setattr(groups_adapter, "STREAM_THRESHOLD", 2_999)
    response = warm.get(f"Groups/{large.scim_id}")
    assert response.streaming
    # The client goes away after the first bytes: the response is closed unread (the test
    # client's wrapper closes it when it is dropped), which releases the cursor; the
    # connection stays usable.
    assert next(response.streaming_content).startswith(b'{"schemas":')
    del response
    gc.collect()
    assert warm.get(f"Groups/{large.scim_id}?excludedAttributes=members").status_code == 200


def test_projections_inside_members_take_the_one_piece_path(warm, large):
    response = warm.get(f"Groups/{large.scim_id}?attributes=members.value")
    assert not response.streaming
    assert len(response.json()["members"]) == 3_000
    assert set(response.json()["members"][0]) == {"value"}
    chosen = large.members.order_by("pk").last()
    response = warm.get(f"Groups/{large.scim_id}", {"attributes": f'members[value eq "{chosen.scim_link.scim_id}"]'})
    assert not response.streaming
    assert [m["value"] for m in response.json()["members"]] == [str(chosen.scim_link.scim_id)]


def test_excluding_members_reads_no_member_at_all(warm, large, django_assert_num_queries):
    with django_assert_num_queries(GET_GROUP - 1):  # token, group
        response = warm.get(f"Groups/{large.scim_id}?excludedAttributes=members")
    assert not response.streaming and "members" not in response.json()


def test_errors_are_scim_errors_decided_before_streaming(warm, scim, large, client):
    missing = warm.get("Groups/00000000-0000-0000-0000-000000000000")
    assert not missing.streaming and missing.status_code == 404 and missing.json()["schemas"] == [ERROR]
    unauthenticated = client.get(f"/scim/v2/Groups/{large.scim_id}")
    assert not unauthenticated.streaming and unauthenticated.status_code == 401
    bad = warm.post("Groups/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                       "attributes": [1]})
    assert not bad.streaming and bad.status_code == 400 and bad.json()["schemas"] == [ERROR]


def test_deleted_users_are_not_streamed(warm, large, monkeypatch):
    from django.utils import timezone

    gone = large.members.order_by("pk")[10]
    SCIMUser.objects.filter(user=gone).update(deleted_at=timezone.now())
    streamed, streamed_body, _, whole_body = _both(warm, monkeypatch, f"Groups/{large.scim_id}")
    assert streamed.streaming and streamed_body == whole_body
    assert str(gone.scim_link.scim_id) not in streamed_body.decode()
    assert len(json.loads(streamed_body)["members"]) == 2_999


def _statements(scim, path: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = scim.get(path)
        body(response)  # a streamed response reads its members while it is written
    assert response.status_code == 200
    return len(captured.captured_queries), response


def test_statements_do_not_depend_on_the_member_count(warm, organisation, large, small):
    few, response = _statements(warm, f"Groups/{small.scim_id}")
    assert not response.streaming and few <= GET_GROUP
    many, response = _statements(warm, f"Groups/{large.scim_id}")
    assert response.streaming and many <= GET_STREAMED_GROUP
    assert many <= few + 1 + CURSOR_PLANNING

    bigger = _team(organisation, "Bigger", 9_000)
    most, response = _statements(warm, f"Groups/{bigger.scim_id}")
    assert response.streaming and most == many

    listed, response = _statements(warm, "Groups?count=10")
    assert response.streaming and listed <= LIST_STREAMED_GROUPS
    listed_small, response = _statements(warm, 'Groups?filter=displayName eq "Few"')
    assert not response.streaming and listed_small <= LIST_GROUPS


def test_streaming_holds_a_chunk_not_the_group(warm, organisation, monkeypatch):
    """Peak Python memory while answering a 12,000-member group: streamed (chunks of 2,000)
    well under the one-piece rendering (every member dict, then the whole body)."""
    team = _team(organisation, "Twelve", 12_000)
    path = f"Groups/{team.scim_id}"

    def peak() -> tuple[int, int]:
        tracemalloc.start()
        try:
            response = warm.get(path)
            size = sum(len(piece) for piece in (response.streaming_content if response.streaming else [response.content]))
            return tracemalloc.get_traced_memory()[1], size
        finally:
            tracemalloc.stop()

    peak(), peak()  # warm caches (compiled queries, imports) out of the measurement
    streamed_peak, streamed_size = peak()
    monkeypatch.setattr(groups_adapter, "STREAM_THRESHOLD", NEVER)
    whole_peak, whole_size = peak()
    assert streamed_size == whole_size > 1_000_000
    assert streamed_peak * 3 < whole_peak, (streamed_peak, whole_peak)


def test_a_head_request_of_a_large_group_closes_its_cursor(warm, large):
    response = warm.client.head(f"/scim/v2/Groups/{large.scim_id}", HTTP_AUTHORIZATION=f"Bearer {warm.raw_token}")
    assert response.status_code == 200
    assert body(response) == b""
    # The connection is still usable (an unclosed SQLite or PostgreSQL cursor would not break
    # this, but a half-read one left in an error state would).
    assert warm.get(f"Groups/{large.scim_id}?excludedAttributes=members").status_code == 200


def test_list_response_envelope(warm, large):
    response = warm.get("Groups?count=1")
    parsed = json.loads(body(response))
    assert parsed["schemas"] == [LIST_RESPONSE] and parsed["itemsPerPage"] == 1


@pytest.mark.postgres
def test_the_cursor_planner_setting_is_put_back(warm, large):
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        before = cursor.fetchone()[0]
    response = warm.get(f"Groups/{large.scim_id}")
    assert response.streaming
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        assert cursor.fetchone()[0] == before  # put back before the first byte is written
    assert len(json.loads(body(response))["members"]) == 3_000


def test_a_renderer_that_writes_otherwise_renders_every_item_itself():
    """``item_json`` is the SCIM renderer's compact UTF-8 JSON; a renderer that escapes to ASCII
    or indents renders the items itself, and the body is its own."""
    from rest_framework.renderers import JSONRenderer

    from scim_provisioning import streaming

    class ASCIIRenderer(JSONRenderer):
        ensure_ascii = True

    def stream(renderer):
        streamed = streaming.Streamed([[("é", 1)], [("\u2028", 2)]], item=lambda row: {"v": row[0], "n": row[1]},
                                      item_json=lambda row: f'{{"v":"{row[0]}","n":{row[1]}}}')
        return b"".join(streaming.render(renderer, {"members": streamed}))

    expected = {"members": [{"v": "é", "n": 1}, {"v": "\u2028", "n": 2}]}
    assert stream(ASCIIRenderer()) == ASCIIRenderer().render(expected)
    assert stream(JSONRenderer()) == JSONRenderer().render(expected)
    assert stream(JSONRenderer()) == '{"members":[{"v":"é","n":1},{"v":"\\u2028","n":2}]}'.encode()
