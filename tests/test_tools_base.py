"""``Tool`` on its own: what a tool that is not a Canvas tool gets from it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import BaseModel, Field

from course_tutor.tools import Tool, ToolFailed, error_result


class _Arguments(BaseModel):
    word: str = Field(description="A word to repeat.")
    times: int = Field(2, description="How many times.")


class Repeat(Tool[_Arguments]):
    name = "repeatWord"
    description = "Repeat a word."
    arguments = _Arguments

    async def call(self, arguments: _Arguments) -> Any:
        if arguments.word == "slow":
            await asyncio.sleep(5)
        if arguments.times < 0:
            raise ToolFailed("too_few", "Ask for at least no repetitions.")
        return [arguments.word] * arguments.times


async def test_a_result_is_compact_json_with_text_kept_as_is() -> None:
    text = await Repeat().run('{"word": "naïve", "times": 2}')
    assert text == '["naïve","naïve"]'
    assert Repeat().summarize(text) == "2 results"


async def test_a_tool_can_answer_with_its_own_error() -> None:
    text = await Repeat().run('{"word": "a", "times": -1}')
    assert text == error_result("too_few", "Ask for at least no repetitions.")
    assert Repeat().summarize(text) == "too few: Ask for at least no repetitions"


async def test_a_slow_tool_times_out_with_a_plain_message() -> None:
    result = json.loads(await Repeat(timeout=0.01).run('{"word": "slow"}'))
    assert result["error"] == {
        "type": "timeout",
        "message": "repeatWord took longer than 0.01 seconds, so it was stopped. "
        "Try again in a minute.",
    }


def test_the_schema_comes_from_the_arguments() -> None:
    assert Repeat().schema == {
        "type": "function",
        "function": {
            "name": "repeatWord",
            "description": "Repeat a word.",
            "parameters": {
                "type": "object",
                "properties": {
                    "word": {"type": "string", "description": "A word to repeat."},
                    "times": {"type": "integer", "description": "How many times."},
                },
                "required": ["word"],
                "additionalProperties": False,
            },
        },
    }
    strict = Repeat(strict=True).schema["function"]
    assert strict["strict"] is True
    assert strict["parameters"]["required"] == ["word", "times"]


async def test_null_for_an_optional_argument_means_its_default() -> None:
    tool = Repeat(strict=True)
    assert json.loads(await tool.run('{"word": "a", "times": null}')) == ["a", "a"]
    error = json.loads(await tool.run('{"word": null}'))["error"]
    assert error["type"] == "invalid_arguments"
    assert "`word`" in error["message"]
