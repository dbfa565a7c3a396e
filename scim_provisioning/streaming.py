"""Streamed SCIM bodies: a response whose multi-valued attribute (a large group's ``members``)
is too big to build in memory is written as it is read (issue 11, docs/flat-lists-design.md §3).

An adapter puts a ``Streamed`` in place of the list; ``render`` serialises the rest of the body
with the view's own renderer, splits it at each placeholder, and yields the placeholders' items
chunk by chunk, rendered by the same renderer. The bytes are the ones the renderer would
produce for the whole body at once (same separators, escaping and key order), and memory holds
one chunk at a time.

Everything that can fail with a SCIM error (authentication, 404, projection parsing) is
decided before ``render`` is called; ``render`` itself renders the skeleton eagerly, so a
rendering failure of the non-streamed part is still an ordinary error response. Only a failure
while reading the rows (the database going away mid-response) can cut a stream short: it is
logged, and the client sees a truncated, invalid JSON body.
"""

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator

from django.db import connections
from rest_framework.renderers import JSONRenderer

logger = logging.getLogger("scim_provisioning")


class Streamed:
    """Placeholder for a JSON array produced as ``chunks`` (an iterable of lists of items).
    ``close`` releases what the chunks read from (a database cursor), whether or not the
    stream was read to the end."""

    def __init__(self, chunks: Iterable[list], close: Callable[[], None] | None = None,
                 item: Callable | None = None, item_json: Callable | None = None):
        """``item(x)``: the JSON value of each ``x`` in the chunks (default: ``x`` itself).
        ``item_json(x)``: that value already written as compact UTF-8 JSON text, used instead
        when the renderer writes exactly that (``_writes_compact_unicode``, as the SCIM
        renderer does): no encoder call per item."""
        self.chunks = chunks
        self.close = close
        self.item = item
        self.item_json = item_json


def started_iterator(queryset, chunk_size: int) -> Iterator:
    """``queryset.iterator(chunk_size)`` with its statement already run (its first row read
    and put back), so that a failing query fails before the response starts.

    On PostgreSQL the iterator is a server-side cursor, which the planner optimises for its
    first rows (``cursor_tuple_fraction``, default 0.1). Outside a transaction Django declares
    it WITH HOLD, so the whole result is computed when it is declared anyway; and on tables
    without fresh statistics the first-rows plan of the member query is a nested loop that is
    quadratic in the member count (0.4 s instead of 25 ms for 3,000 members). The cursor is
    therefore planned for its whole result: ``cursor_tuple_fraction`` is 1 for its DECLARE and
    put back right after (two statements, whatever the size)."""
    connection = connections[queryset.db]
    rows = queryset.iterator(chunk_size=chunk_size)
    if connection.vendor != "postgresql" or connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        return _put_back(rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('cursor_tuple_fraction'), set_config('cursor_tuple_fraction', '1', false)")
        previous = cursor.fetchone()[0]
    try:
        return _put_back(rows)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('cursor_tuple_fraction', %s, false)", [previous])


def _put_back(rows) -> "_Started":
    return _Started(rows)


class _Started:
    """An iterator whose first item was read ahead (running its statement); ``close`` closes
    the underlying one (its cursor) whether or not anything more was read."""

    _END = object()

    def __init__(self, rows):
        self._rows = rows
        self._first = next(rows, self._END)

    def __iter__(self):
        return self

    def __next__(self):
        if self._first is not self._END:
            first, self._first = self._first, self._END
            return first
        return next(self._rows)

    def close(self) -> None:
        self._first = self._END
        self._rows.close()


def contains_streamed(body) -> bool:
    if isinstance(body, Streamed):
        return True
    if isinstance(body, dict):
        return any(contains_streamed(v) for v in body.values())
    if isinstance(body, list):
        return any(contains_streamed(v) for v in body)
    return False


def _replace(body, token: str, found: list):
    """``body`` with every ``Streamed`` replaced by a unique marker string, in the order the
    JSON encoder will write them (dict insertion order, list order)."""
    if isinstance(body, Streamed):
        found.append(body)
        return f"{token}:{len(found) - 1}"
    if isinstance(body, dict):
        return {k: _replace(v, token, found) for k, v in body.items()}
    if isinstance(body, list):
        return [_replace(v, token, found) for v in body]
    return body


def render(renderer, body, accepted_media_type=None, renderer_context=None) -> Iterator[bytes]:
    """The rendered ``body`` as an iterator of byte strings (see the module docstring). The
    skeleton is rendered and split before this returns."""
    token = f"scim-stream-{uuid.uuid4().hex}"
    streams: list[Streamed] = []
    skeleton = renderer.render(_replace(body, token, streams), accepted_media_type, renderer_context)
    pieces = []
    rest = skeleton
    for i in range(len(streams)):
        marker = f'"{token}:{i}"'.encode()
        before, sep, after = rest.partition(marker)
        if not sep or marker in after:
            _close(streams)
            raise ValueError("Streamed placeholder not found exactly once in the rendered body.")
        pieces.append(before)
        rest = after
    pieces.append(rest)
    return StreamedBody(renderer, pieces, streams, accepted_media_type, renderer_context)


class StreamedBody:
    """The iterable a ``StreamingHttpResponse`` writes. Its ``close`` (which the response calls
    when the server is done with it, read to the end or not, HEAD included) releases the
    cursors even when writing never started: a generator's ``finally`` would not run then."""

    def __init__(self, renderer, pieces, streams, accepted_media_type, renderer_context):
        self._args = (renderer, pieces, streams, accepted_media_type, renderer_context)
        self._streams = streams

    def __iter__(self) -> Iterator[bytes]:
        return _stream(*self._args)

    def close(self) -> None:
        _close(self._streams)


def _stream(renderer, pieces, streams, accepted_media_type, renderer_context) -> Iterator[bytes]:
    try:
        for piece, streamed in zip(pieces, streams):
            yield piece + b"["
            first = True
            as_text = streamed.item_json is not None and _writes_compact_unicode(
                renderer, accepted_media_type, renderer_context)
            for chunk in streamed.chunks:
                if not chunk:
                    continue
                if as_text:
                    # What JSONRenderer does after json.dumps: U+2028/2029 escaped for JavaScript.
                    text = ",".join(map(streamed.item_json, chunk))
                    items = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
                else:
                    values = chunk if streamed.item is None else [streamed.item(x) for x in chunk]
                    # The renderer's own array, without its brackets: '[a,b]' -> 'a,b'.
                    items = renderer.render(values, accepted_media_type, renderer_context)[1:-1]
                yield items if first else b"," + items
                first = False
            yield b"]"
        yield pieces[-1]
    except GeneratorExit:
        raise
    except Exception:
        logger.exception("A streamed SCIM response failed after its first bytes were sent")
        raise
    finally:
        _close(streams)


def _writes_compact_unicode(renderer, accepted_media_type, renderer_context) -> bool:
    """Whether ``renderer`` writes JSON as ``json.dumps(…, ensure_ascii=False,
    separators=(",", ":"))`` then UTF-8 (DRF's JSONRenderer with UNICODE_JSON and
    COMPACT_JSON, its defaults, and no indent asked for)."""
    return (isinstance(renderer, JSONRenderer) and not renderer.ensure_ascii and renderer.compact
            and renderer.get_indent(accepted_media_type, renderer_context or {}) is None)


def _close(streams) -> None:
    for streamed in streams:  # closing twice is harmless (a closed generator stays closed)
        if streamed.close is not None:
            streamed.close()
