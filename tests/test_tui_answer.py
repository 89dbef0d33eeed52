"""The streaming answer widget: batched renders, and a final render that is
the same as rendering the whole answer at once."""

from __future__ import annotations

import asyncio
import random

import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from course_tutor.tui.widgets.answer import AnswerView

ANSWER = """\
## Unit 3: Membranes and Transport

The plasma membrane is a **phospholipid bilayer** with *proteins* that float
in it; see [the reading](https://canvas.northwood.example/courses/1/pages/3).

| Item | Type | Due | Points |
|---|---|---|---|
| Osmosis lab | Assignment | Sep 14 | 20 |
| Membrane quiz | Quiz | Sep 18 | 10 |

1. Read the chapter.
2. Take the quiz.

   Then check the answers.

3. Review mistakes.

- diffusion
  - facilitated diffusion
- active transport

> Water follows solutes.

```python
def tonicity(inside: float, outside: float) -> str:
    return "hypotonic" if outside < inside else "hypertonic"
```

---

That's all for **Unit 3**.
"""


class Host(App[None]):
    def __init__(self, *answers: AnswerView) -> None:
        super().__init__()
        self.answers = answers

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield from self.answers


def lines_of(view: AnswerView) -> list[str]:
    width = view.content_region.width
    return [line.text for line in view._lines(width)]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_streamed_answer_ends_as_if_rendered_whole(seed: int) -> None:
    streamed = AnswerView(refresh_rate=1000)
    whole = AnswerView(ANSWER, streaming=False)
    app = Host(streamed, whole)
    async with app.run_test(size=(90, 60)) as pilot:
        chooser = random.Random(seed)
        position = 0
        while position < len(ANSWER):
            size = chooser.randint(1, 12)
            streamed.append(ANSWER[position : position + size])
            position += size
            if chooser.random() < 0.3:
                await asyncio.sleep(0.002)
        await streamed.finish()
        await pilot.pause()

        assert streamed.text == ANSWER
        assert streamed.renders > 1
        assert lines_of(streamed) == lines_of(whole)
        text = "\n".join(lines_of(whole))
        assert "Osmosis lab" in text
        assert "1. Read the chapter." in text
        assert "def tonicity" in text
        assert "reading" in text


async def test_fragments_are_rendered_in_batches() -> None:
    view = AnswerView(refresh_rate=10)
    app = Host(view)
    async with app.run_test(size=(90, 40)) as pilot:
        fragments = [ANSWER[i : i + 4] for i in range(0, len(ANSWER), 4)]
        for fragment in fragments:
            view.append(fragment)
            await asyncio.sleep(0.001)
        await view.finish()
        await pilot.pause()
        assert view.renders < len(fragments) / 4
        assert view.text == ANSWER


async def test_an_answer_with_reference_links_is_rendered_whole_at_the_end() -> None:
    source = "See [the syllabus][s].\n\nMore text.\n\n[s]: https://example.org/s\n"
    streamed = AnswerView(refresh_rate=1000)
    whole = AnswerView(source, streaming=False)
    app = Host(streamed, whole)
    async with app.run_test(size=(60, 20)) as pilot:
        for character in source:
            streamed.append(character)
            await asyncio.sleep(0)
        await streamed.finish()
        await pilot.pause()
        assert lines_of(streamed) == lines_of(whole)
        assert "[s]" not in "\n".join(lines_of(streamed))


async def test_append_after_finish_is_a_mistake() -> None:
    view = AnswerView()
    async with Host(view).run_test():
        await view.append("text")  # awaiting append works too
        await view.finish()
        with pytest.raises(RuntimeError):
            view.append("more")


async def test_a_click_on_a_link_posts_the_address() -> None:
    view = AnswerView("Open [this page](https://example.org/p) now.", streaming=False)
    clicked: list[str] = []

    class Watching(Host):
        def on_answer_view_link_clicked(self, event: AnswerView.LinkClicked) -> None:
            clicked.append(event.href)

    async with Watching(view).run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        await pilot.click(view, offset=(7, 0))
        await pilot.pause()
    assert clicked == ["https://example.org/p"]


async def test_the_answer_is_drawn_again_for_a_new_width_and_theme() -> None:
    view = AnswerView(ANSWER, streaming=False)
    app = Host(view)
    async with app.run_test(size=(90, 60)) as pilot:
        wide = lines_of(view)
        await pilot.resize_terminal(50, 60)
        await pilot.pause()
        narrow = lines_of(view)
        assert len(narrow) > len(wide)
        assert max(len(line.rstrip()) for line in narrow) <= 50

        app.theme = "textual-light"
        await pilot.pause()
        assert lines_of(view) == narrow
