"""The Canvas client replayed from cassettes recorded over loopback from the
demo Canvas. In CI the record mode is `none`: a request that is not in its
cassette fails the test instead of reaching a server.

To record again: `uv run pytest tests/test_cassettes_canvas.py --record-mode=rewrite`
(the fixture then serves the demo Canvas on its fixed port).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import vcr as vcrpy
from vcr.errors import CannotOverwriteExistingCassetteException

from course_tutor.canvas import CanvasClient, NotFoundError
from course_tutor.demo import canvas_app
from course_tutor.demo.dataset import load_school
from tests.conftest import CASSETTES
from tests.recording import vcr_settings
from tests.servers import serving

PORT = 18765
BASE = f"http://127.0.0.1:{PORT}"


@pytest.fixture
def demo_canvas(record_mode: str) -> Iterator[str]:
    """The demo Canvas on its fixed port while recording; nothing otherwise."""
    if record_mode == "none":
        yield BASE
        return
    with serving(canvas_app(), PORT) as base:
        yield base


def _all_replayed(cassette, record_mode: str) -> bool:
    """While replaying, every recorded interaction was used: nothing went
    around vcr (when recording, there is nothing to check)."""
    if record_mode != "none":
        return True
    return cassette.play_count == len(cassette.data) > 0 and cassette.all_played


@pytest.mark.vcr
async def test_courses_and_modules_replay(demo_canvas: str, vcr, record_mode) -> None:
    async with CanvasClient(demo_canvas, "demo") as client:
        courses = await client.list_your_courses()
        modules = await client.list_modules(48251, include=["items"])

    enrolled = [c for c in load_school()["courses"] if c.get("enrollment")]
    assert [c.id for c in courses] == [c["id"] for c in enrolled]
    big = next(m for m in modules if m.items_count and m.items_count > 100)
    assert big.items is not None
    assert len(big.items) == big.items_count  # filled in from items_url
    assert _all_replayed(vcr, record_mode)


@pytest.mark.vcr
async def test_errors_replay(demo_canvas: str, vcr, record_mode) -> None:
    async with CanvasClient(demo_canvas, "demo") as client:
        with pytest.raises(NotFoundError):
            await client.get_single_course(999999)
    assert _all_replayed(vcr, record_mode)


@pytest.mark.vcr
async def test_search_without_token_replays(demo_canvas: str, vcr, record_mode) -> None:
    async with CanvasClient(demo_canvas, None) as client:
        found = await client.search_courses("Solar")
    assert [c.course_code for c in found] == ["ASTR 101"]
    assert _all_replayed(vcr, record_mode)


async def test_a_request_missing_from_the_cassette_fails() -> None:
    """Replaying a cassette that does not hold a request refuses it rather
    than let it through to a server (none listens on the port in CI)."""
    cassette = Path(CASSETTES, "test_cassettes_canvas", "test_errors_replay.yaml")
    player = vcrpy.VCR(record_mode="none", **vcr_settings())
    with player.use_cassette(str(cassette)):
        async with CanvasClient(BASE, "demo") as client:
            with pytest.raises(CannotOverwriteExistingCassetteException):
                await client.get_single_course(48227)
