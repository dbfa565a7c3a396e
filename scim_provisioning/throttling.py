"""Per-token rate limit of the SCIM endpoints: fixed windows counted in Django's cache.

``SCIM_PROVISIONING["RATE_LIMIT"]`` (``"50/s"``, ``"600/m"``, ``"10000/h"``; None: no limit)
allows each token that many requests per window of a second, minute or hour, aligned to the
clock. The count lives in the cache ``RATE_LIMIT_CACHE``, which every server process shares (the
database or Redis), under one key per token and window:

- the first request of a window ``add``s the key, every later one ``incr``s it. Both are atomic
  on Redis and on ``scim_provisioning.cache.DatabaseCache`` (Django's own database cache
  increments with a get then a set, so concurrent processes can lose counts and let a little
  more through: an approximation, never a refusal too many). ``add`` loses a race to another
  process's ``add`` safely (it returns False, and this request ``incr``s instead).
- over the limit: 429, ``Retry-After`` = the seconds until the window ends, a SCIM error body,
  and nothing done (the check runs before the view). Refused requests count too: a client that
  ignores Retry-After stays refused until its next window.
- fixed windows are cheap (one counter, no history) at the price of bursts: a client can get up
  to twice the limit through in the second around a window boundary. It protects the service,
  it is not billing.
- the activity log gets one line per token and minute, ``request.throttled``, whose detail
  counts that minute's refusals (``activity.event_throttled``), never a row per request.

Why not DRF's throttles: they keep a list of timestamps per client and write it back (get,
append, set), which loses requests between processes, and cost a list per request.

A cache that fails (its table missing, Redis down) lets the request through and logs the
error: the limit protects the service, it must not take it down.
"""

import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import caches

from .activity import event_throttled
from .conf import app_settings
from .models import SCIMAccessToken
from .rates import Rate, parse_rate

logger = logging.getLogger("scim_provisioning")


@dataclass(frozen=True)
class Refusal:
    rate: Rate
    retry_after: int  # seconds, >= 1

    @property
    def detail(self) -> str:
        return (f"Too many requests with this SCIM token: the limit is {self.rate}. "
                f"Retry after {self.retry_after} second{'s' if self.retry_after != 1 else ''}.")


def current_rate() -> Rate | None:
    return parse_rate(app_settings.RATE_LIMIT, name="SCIM_PROVISIONING['RATE_LIMIT']")


def window_count(key: str, rate: Rate, now: float) -> int:
    """Count one request in the current window of ``rate`` for ``key``; the count so far."""
    window = int(now // rate.seconds)
    cache_key = f"scim-rate:{key}:{rate.seconds}:{window}"
    cache = caches[app_settings.RATE_LIMIT_CACHE]
    # Outlives its window, so an incr near the end of a window never meets an expired key.
    timeout = 2 * rate.seconds + 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # the window's first request (here or in another process)
        if cache.add(cache_key, 1, timeout):
            return 1
        return cache.incr(cache_key)


def rate_key(credential) -> str:
    """What is counted: a static token by itself; OAuth access tokens by their client, so a
    client cannot escape the limit by asking the token endpoint for more access tokens."""
    if isinstance(credential, SCIMAccessToken):
        return f"oauth-client:{credential.client_id}"
    return f"token:{credential.pk}"


def token_check(token, *, now: float | None = None) -> Refusal | None:
    """Count a request of ``token``; a Refusal when it is over the limit (and log it)."""
    rate = current_rate()
    if rate is None:
        return None
    now = time.time() if now is None else now
    try:
        count = window_count(rate_key(token), rate, now)
    except Exception:
        logger.exception("SCIM rate limit: the cache failed; the request is let through")
        return None
    if count <= rate.requests:
        return None
    window_end = (int(now // rate.seconds) + 1) * rate.seconds
    refusal = Refusal(rate=rate, retry_after=max(1, math.ceil(window_end - now)))
    try:
        event_throttled(token=token, limit=str(rate))
    except Exception:
        logger.exception("SCIM rate limit: the activity log line could not be written")
    return refusal
