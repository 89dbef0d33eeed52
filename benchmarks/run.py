"""Run the benchmarks and print their figures.

    uv run python benchmarks/run.py                  # the table
    uv run python benchmarks/run.py --json           # the rows as JSON
    uv run python benchmarks/run.py --quick          # few rounds: a smoke run
    uv run python benchmarks/run.py startup loop_overhead   # only these

Each figure is measured side by side with its baseline in the same run, so
a slow or busy machine moves both. The exit status is 1 when a figure misses
its target (the rows say which), 0 otherwise.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Row

BENCHMARKS = {
    "loop_overhead": "benchmarks.loop_overhead",
    "canvas_latency_hiding": "benchmarks.latency_hiding",
    "tool_result_compaction": "benchmarks.compaction",
    "stream_render": "benchmarks.stream_render",
    "startup": "benchmarks.startup",
    "memory_long_conversation": "benchmarks.memory",
}


def run(names: Sequence[str], *, quick: bool) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        started = time.perf_counter()
        module = importlib.import_module(BENCHMARKS[name])
        found = module.run(quick=quick)
        rows.extend(found)
        print(f"{name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return rows


def table(rows: Sequence[Row]) -> str:
    header = ("benchmark", "value", "baseline", "ratio", "target", "ok")
    lines = [header]
    for row in rows:
        lines.append(
            (
                row.name,
                f"{_number(row.value)} {row.unit}",
                "—" if row.baseline is None else f"{_number(row.baseline)} {row.unit}",
                "—" if row.ratio is None else f"{row.ratio:.3f}",
                row.target,
                "yes" if row.ok else "NO",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rule = ["-" * width for width in widths]
    return "\n".join(
        "  ".join(
            cell.ljust(width) for cell, width in zip(line, widths, strict=True)
        ).rstrip()
        for line in [lines[0], rule, *lines[1:]]
    )


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Measure course-tutor against its baselines."
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument(
        "--quick", action="store_true", help="few rounds: checks that all run"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}")

    rows = run(args.names or list(BENCHMARKS), quick=args.quick)
    if args.json:
        print(json.dumps([row.as_json() for row in rows], indent=2))
    else:
        print(table(rows))
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
