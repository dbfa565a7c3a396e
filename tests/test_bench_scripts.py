"""The benchmarks in bench/ run, at a size that takes seconds (their figures are read in
bench/PROFILE.md, never asserted here): a change of the models or of the seed that breaks a
benchmark fails here, not on the day someone needs the figures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

RUNS = {
    "compare": ["bench/compare.py", "--users", "60", "--rounds", "1", "--creates", "8", "--ports", "18981,18982"],
    "scale": ["bench/scale.py", "--users", "60", "--database", "sqlite", "--compare", "--rounds", "1",
              "--budget", "1", "--creates", "8", "--ports", "18983,18984"],
    "large_group": ["bench/large_group.py", "--members", "60", "--rounds", "1", "--ports", "18985,18986"],
    "scim_latency": ["bench/scim_latency.py", "-n", "1", "--strict"],
}
EXPECTED = {"compare": "GET /Users/{id}", "scale": "Concurrent creates", "large_group": "streamed",
            "scim_latency": "Slowest p95"}


@pytest.mark.parametrize("name", RUNS)
def test_a_benchmark_runs_to_its_table(name):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SCIM_", "DATABASE_URL"))}
    result = subprocess.run([sys.executable, *RUNS[name]], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert EXPECTED[name] in result.stdout
