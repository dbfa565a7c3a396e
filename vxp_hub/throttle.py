"""Sign-in throttling: the one rule for the hub's login and the Django admin's.

A sliding window per account (organisation + username, case-insensitive) and per client
address (``REMOTE_ADDR``): by default 5 failed sign-ins per account and 20 per address in
15 minutes. Over either limit, a sign-in is refused without checking the password, until the
oldest failure in the window is older than the window; a successful sign-in clears the
account's failures (not the address's).

Counts live in Django's cache (``django.core.cache.cache``, whatever ``CACHES`` configures:
shared by every server process when the cache is). Each failure is its own key, a *slot*
``<scope>:<i>`` for ``i < limit``, written with ``cache.add`` (atomic on every backend) and
expiring ``WINDOW`` seconds after that failure. So concurrent failures are all counted, no
backend's ``incr`` can reset an expiry, and the count of the last ``WINDOW`` seconds is the
number of slots present: one ``get_many``.

Settings (optional): ``LOGIN_THROTTLE = {"ACCOUNT_LIMIT": 5, "ADDRESS_LIMIT": 20, "WINDOW": 900}``.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

DEFAULTS = {"ACCOUNT_LIMIT": 5, "ADDRESS_LIMIT": 20, "WINDOW": 15 * 60}
PREFIX = "vxp_hub:login-failures"


def _setting(name: str) -> int:
    return int(getattr(settings, "LOGIN_THROTTLE", {}).get(name, DEFAULTS[name]))


def _scopes(*, organisation: str, username: str, address: str | None) -> list[tuple[str, int]]:
    """(cache key prefix, limit) of each count this sign-in falls under. Names are hashed: the
    key stays short and safe for every backend, and the cache holds no e-mail address."""
    account = f"{organisation.strip().lower()}\n{username.strip().lower()}"
    scopes = [(f"{PREFIX}:account:{_digest(account)}", _setting("ACCOUNT_LIMIT"))]
    if address:
        scopes.append((f"{PREFIX}:address:{_digest(address)}", _setting("ADDRESS_LIMIT")))
    return scopes


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _slots(scope: str, limit: int) -> list[str]:
    return [f"{scope}:{i}" for i in range(limit)]


def login_wait(*, organisation: str, username: str, address: str | None) -> int:
    """Seconds until this sign-in may be tried again; 0 if it may be tried now."""
    window = _setting("WINDOW")
    now = time.time()
    wait = 0.0
    for scope, limit in _scopes(organisation=organisation, username=username, address=address):
        failures = cache.get_many(_slots(scope, limit))
        if len(failures) >= limit:
            wait = max(wait, min(failures.values()) + window - now)
    return max(0, math.ceil(wait))


def login_failed(*, organisation: str, username: str, address: str | None) -> None:
    """Count one failed sign-in (wrong organisation, username or password)."""
    window = _setting("WINDOW")
    now = time.time()
    for scope, limit in _scopes(organisation=organisation, username=username, address=address):
        slots = _slots(scope, limit)
        taken = cache.get_many(slots)
        for slot in slots:
            # add() fails if a concurrent failure took the slot first: try the next one.
            if slot not in taken and cache.add(slot, now, timeout=window):
                break


def login_succeeded(*, organisation: str, username: str) -> None:
    """Clear the account's failures after a successful sign-in."""
    for scope, limit in _scopes(organisation=organisation, username=username, address=None):
        cache.delete_many(_slots(scope, limit))


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed sign-in attempts. Try again in {minutes} {unit}."
