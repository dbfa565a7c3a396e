"""Rate strings (``"50/s"``, ``"600/m"``, ``"10000/h"``) parsed into (requests, seconds).

Pure: no Django models, so a host's settings module can validate its environment with it.
"""

import re
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured

_PERIODS = {"s": 1, "m": 60, "h": 3600}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*([smh])\s*$", re.IGNORECASE)
OFF = frozenset({"off", "none", ""})


class Rate(NamedTuple):
    requests: int
    seconds: int

    def __str__(self) -> str:
        unit = {1: "s", 60: "m", 3600: "h"}[self.seconds]
        return f"{self.requests}/{unit}"


def parse_rate(value, *, name: str = "RATE_LIMIT") -> Rate | None:
    """``Rate`` for ``"N/s"``, ``"N/m"`` or ``"N/h"`` (N >= 1); None for None or ``"off"``.
    Anything else raises ImproperlyConfigured saying what is accepted."""
    if value is None or (isinstance(value, str) and value.strip().lower() in OFF):
        return None
    match = _RATE.match(value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) < 1:
        raise ImproperlyConfigured(
            f"{name} = {value!r} is not a rate: use N/s, N/m or N/h with N >= 1 "
            "(e.g. 50/s), or 'off' for no limit."
        )
    return Rate(int(match.group(1)), _PERIODS[match.group(2).lower()])
