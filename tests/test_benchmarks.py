"""The benchmarks run and report well-formed rows. Only the shape is checked
here: timings belong to `benchmarks/run.py`, never to the test suite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {"name", "value", "unit", "baseline", "ratio", "target", "ok"}


def test_quick_run_prints_a_row_for_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode in (0, 1), done.stderr  # 1: a figure missed its target
    rows = json.loads(done.stdout)
    assert rows, "no rows"
    for row in rows:
        assert set(row) == FIELDS, row
        assert isinstance(row["value"], int | float)
        assert isinstance(row["ok"], bool)
        assert row["baseline"] is None or isinstance(row["baseline"], int | float)
    names = " ".join(row["name"] for row in rows)
    for benchmark in (
        "loop_overhead",
        "canvas_latency_hiding",
        "tool_result_compaction",
        "stream_render",
        "startup",
        "memory_long_conversation",
    ):
        assert benchmark in names
