"""The scim2-tester summary: what ran, passed, was skipped (and why) or is a known bug.

``test_scim2_tester`` records it here; ``conftest.pytest_terminal_summary`` prints it at the end
of every pytest run, so CI logs show it without ``-s``.
"""

from collections import Counter

_summaries: dict[str, str] = {}


def record(mode, results, allowed_skips, known_checks, check_key) -> None:
    """``known_checks``: "<mode> <check key>" -> the name of its known failure."""
    counts = Counter(r.status.name for r in results)
    known = Counter(known_checks[f"{mode} {check_key(r)}"] for r in results
                    if r.status.name not in ("SUCCESS", "SKIPPED") and f"{mode} {check_key(r)}" in known_checks)
    failed = len(results) - counts["SUCCESS"] - counts["SKIPPED"]
    lines = [f"scim2-tester [{mode}]: {len(results)} checks run, {counts['SUCCESS']} passed, "
             f"{counts['SKIPPED']} skipped, {sum(known.values())} known failures (xfail), "
             f"{failed - sum(known.values())} other failures"]
    skips = Counter(r.reason for r in results if r.status.name == "SKIPPED")
    for reason, n in sorted(skips.items()):
        why = allowed_skips.get(reason, "NOT ALLOWED")
        lines.append(f"  skipped x{n}: {reason} ({why})")
    for name, n in sorted(known.items()):
        lines.append(f"  xfail x{n}: {name}")
    _summaries[mode] = "\n".join(lines)


def text(mode: str) -> str:
    return _summaries.get(mode, f"scim2-tester [{mode}]: not run")


def all_text() -> str:
    return "\n".join(_summaries[mode] for mode in sorted(_summaries))
