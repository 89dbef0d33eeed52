"""What a tool is to the turn loop, and the promise it keeps: ``run`` never
raises.

A tool has a ``name``, a ``description`` written for the model, and a pydantic
model of its ``arguments``, from which its ``schema`` is made. ``run`` takes
the arguments as the model sent them (a JSON string), and always returns JSON
text: the result, or ``{"error": {"type": ..., "message": ...}}`` for

- arguments that are not JSON, not an object, or do not fit the model
  (``invalid_arguments``; the message names the field and what it expects);
- a CanvasError (its ``kind``: ``invalid_id``, ``not_found``,
  ``invalid_token``, ``unavailable``, ...; its message is for the student);
- a tool that took longer than its ``timeout`` (``timeout``);
- anything else (``internal``, logged with its traceback).

``summarize`` turns a result into a few words for the screen.
"""

from __future__ import annotations

import asyncio
import json
import logging
from abc import ABC, abstractmethod
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from course_tutor.canvas import CanvasError
from course_tutor.tools.schema import parameters_schema

logger = logging.getLogger(__name__)

A = TypeVar("A", bound=BaseModel)

DEFAULT_TIMEOUT = 60.0
"""Seconds a tool may take, retries and all, before it gives up."""

_SHOWN_INPUT = 40


class ToolFailed(Exception):
    """Raised inside a tool to answer with an error instead of a result."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def dumps(data: Any) -> str:
    """Compact JSON: no spaces, non-ASCII text kept as it is."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def error_result(kind: str, message: str) -> str:
    """The JSON a failed tool call answers with."""
    return dumps({"error": {"type": kind, "message": message}})


class Tool(ABC, Generic[A]):
    """A function the model can call. Subclasses set ``name``,
    ``description`` and ``arguments``, and implement ``call``."""

    name: ClassVar[str]
    description: ClassVar[str]
    arguments: ClassVar[type[BaseModel]]

    def __init__(
        self, *, strict: bool = False, timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        self.strict = strict
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, strict={self.strict})"

    @cached_property
    def schema(self) -> dict[str, Any]:
        """The OpenAI function-tool definition."""
        function: dict[str, Any] = {
            "name": self.name,
            "description": self.describe(),
            "parameters": parameters_schema(self.arguments, strict=self.strict),
        }
        if self.strict:
            function["strict"] = True
        return {"type": "function", "function": function}

    def describe(self) -> str:
        """The description the model reads; a tool may fill in details."""
        return self.description

    @abstractmethod
    async def call(self, arguments: A) -> Any:
        """The result for validated arguments: anything ``json.dumps`` takes."""

    def summary(self, result: Any) -> str:
        """A few words on a successful result; subclasses say it better."""
        if isinstance(result, list):
            return f"{len(result)} result{'' if len(result) == 1 else 's'}"
        return "done"

    async def run(self, arguments_json: str) -> str:
        """The result of a call as JSON text; an error result, never an
        exception, whatever goes wrong."""
        try:
            arguments = self.parse(arguments_json)
            async with asyncio.timeout(self.timeout):
                result = await self.call(arguments)
            return dumps(result)
        except ToolFailed as failure:
            return error_result(failure.kind, failure.message)
        except CanvasError as error:
            logger.info("%s failed: %s", self.name, error.kind)
            return error_result(error.kind, error.message)
        except TimeoutError:
            logger.warning("%s timed out after %s s", self.name, self.timeout)
            return error_result("timeout", self.timed_out_message())
        except Exception:
            logger.exception("%s failed unexpectedly", self.name)
            return error_result(
                "internal",
                f"Something went wrong inside course-tutor ({self.name} failed "
                "unexpectedly). Try again; if it keeps happening, it is a bug.",
            )

    def timed_out_message(self) -> str:
        """What to tell the student when the tool ran out of time."""
        return (
            f"{self.name} took longer than {self.timeout:g} seconds, so it was "
            "stopped. Try again in a minute."
        )

    def parse(self, arguments_json: str | bytes | None) -> A:
        """Validated arguments, or ToolFailed saying what is wrong."""
        if arguments_json is None or (
            isinstance(arguments_json, str | bytes) and not arguments_json.strip()
        ):
            arguments_json = "{}"
        if not isinstance(arguments_json, str | bytes):
            raise self._invalid("the arguments must be a JSON object")
        try:
            data = json.loads(arguments_json)
        except ValueError as error:
            raise self._invalid(f"the arguments are not valid JSON ({error})") from None
        if not isinstance(data, dict):
            raise self._invalid(
                f"the arguments must be a JSON object, not {_json_kind(data)}"
            )
        # Strict schemas make every optional argument nullable: null there
        # means "not given", so the default applies.
        fields = self.arguments.model_fields
        data = {
            name: value
            for name, value in data.items()
            if value is not None or name not in fields or fields[name].is_required()
        }
        try:
            return self.arguments.model_validate(data)  # type: ignore[return-value]
        except ValidationError as error:
            raise self._invalid(_problems(error, self.arguments)) from None

    def summarize(self, result_text: str) -> str:
        """A few words on a result for the screen: "6 courses", "not found: …"."""
        try:
            result = json.loads(result_text)
            failure = result.get("error") if isinstance(result, dict) else None
            if isinstance(failure, dict):
                return _error_summary(failure)
            return self.summary(result)
        except Exception:
            return "unreadable result"

    def _invalid(self, problem: str) -> ToolFailed:
        return ToolFailed(
            "invalid_arguments",
            f"{_capitalized(problem)}. {self.name} takes "
            f"{_signature(self.arguments)}; call it again with arguments that fit.",
        )


def _problems(error: ValidationError, model: type[BaseModel]) -> str:
    """What is wrong with each field, in words a model can act on."""
    problems = []
    for detail in error.errors(include_url=False):
        field = ".".join(str(part) for part in detail["loc"]) or "arguments"
        kind = detail["type"]
        if kind == "missing":
            known = model.model_fields.get(field)
            about = known.description if known else None
            problems.append(
                f"`{field}` is required ({_uncapitalized(about.rstrip('.'))})"
                if about
                else f"`{field}` is required"
            )
        elif kind == "extra_forbidden":
            problems.append(f"`{field}` is not one of its arguments")
        else:
            message = _uncapitalized(detail["msg"].removeprefix("Value error, "))
            shown = json.dumps(detail.get("input"), ensure_ascii=False, default=str)
            if len(shown) > _SHOWN_INPUT:
                shown = shown[: _SHOWN_INPUT - 1] + "…"
            problems.append(f"`{field}`: {message} (got {shown})")
    return "; ".join(problems)


def _signature(model: type[BaseModel]) -> str:
    """``course_id (required), include_items, search_term``"""
    names = [
        f"{name} (required)" if field.is_required() else name
        for name, field in model.model_fields.items()
    ]
    return ", ".join(names) if names else "no arguments"


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _uncapitalized(text: str) -> str:
    return text[:1].lower() + text[1:]


def _json_kind(data: Any) -> str:
    if isinstance(data, list):
        return "an array"
    if isinstance(data, str):
        return "a string"
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "a boolean"
    return "a number"


def _error_summary(failure: dict[str, Any]) -> str:
    """``not found: Canvas could not find course 999.``"""
    kind = str(failure.get("type") or "error").replace("_", " ")
    message = str(failure.get("message") or "").strip()
    first = message.split(". ", 1)[0].rstrip(".")
    if len(first) > 72:
        first = first[:71].rstrip() + "…"
    return f"{kind}: {first}" if first else kind
