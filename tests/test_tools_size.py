"""How much smaller the tool results are than what Canvas sent for them.

The walk (`benchmarks.compaction`) is the course-information flow over every
course; the benchmark reports the same figure.
"""

from __future__ import annotations

from benchmarks.compaction import TARGET, course_information_walk


async def test_results_are_a_small_share_of_the_raw_canvas_json() -> None:
    raw, compact = await course_information_walk()
    ratio = compact / raw

    assert raw > 100_000, "the walk covers the whole demo school"
    assert ratio <= TARGET, f"{ratio:.3f} of the raw JSON"
