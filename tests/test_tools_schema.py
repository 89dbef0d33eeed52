"""The function-tool definitions the model sees, plain and strict."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, Field

from course_tutor.canvas import CanvasClient
from course_tutor.tools import Tool, canvas_tools
from course_tutor.tools.schema import parameters_schema

Schema = dict[str, Any]

OPERATION_IDS = [
    "listYourCourses",
    "getSingleCourse",
    "listModules",
    "listModuleItems",
    "searchCourses",
]
REQUIRED = {
    "listYourCourses": set(),
    "getSingleCourse": {"course_id"},
    "listModules": {"course_id"},
    "listModuleItems": {"course_id", "module_id"},
    "searchCourses": {"search"},
}
OPTIONAL = {
    "listYourCourses": {"enrollment_state", "enrollment_type", "include"},
    "getSingleCourse": {"include"},
    "listModules": {"include_items", "search_term"},
    "listModuleItems": {"search_term"},
    "searchCourses": {"public_only", "open_enrollment_only"},
}


def tools(*, strict: bool) -> list[Tool[Any]]:
    # Building schemas needs no connection: the client is never used here.
    client = CanvasClient("https://canvas.northwood.example", "demo")
    return canvas_tools(client, strict=strict)


def objects(schema: Any) -> Iterator[Schema]:
    """Every object schema inside ``schema``, itself included."""
    if isinstance(schema, list):
        for part in schema:
            yield from objects(part)
    elif isinstance(schema, dict):
        if schema.get("type") == "object":
            yield schema
        for key, value in schema.items():
            if key == "properties":
                for part in value.values():
                    yield from objects(part)
            else:
                yield from objects(value)


def accepts_null(schema: Schema) -> bool:
    if schema.get("type") == "null":
        return True
    if isinstance(schema.get("type"), list) and "null" in schema["type"]:
        return True
    return any(accepts_null(part) for part in schema.get("anyOf", ()))


def keywords(schema: Any) -> set[str]:
    """Every schema keyword used, at any depth (property names excluded)."""
    found: set[str] = set()
    if isinstance(schema, list):
        for part in schema:
            found |= keywords(part)
    elif isinstance(schema, dict):
        for key, value in schema.items():
            found.add(key)
            if key == "properties":
                for part in value.values():
                    found |= keywords(part)
            else:
                found |= keywords(value)
    return found


def test_the_operation_ids_in_order() -> None:
    assert [tool.name for tool in tools(strict=False)] == OPERATION_IDS


@pytest.mark.parametrize("strict", [False, True])
def test_every_schema_is_an_openai_function_tool(strict: bool) -> None:
    for tool in tools(strict=strict):
        schema = tool.schema
        assert schema["type"] == "function"
        function = schema["function"]
        assert function["name"] == tool.name
        assert len(function["description"]) > 80
        assert function["parameters"]["type"] == "object"
        assert json.loads(json.dumps(schema)) == schema
        assert "$ref" not in json.dumps(schema)
        assert not keywords(schema["function"]["parameters"]) & {"title", "default"}
        for name, part in function["parameters"]["properties"].items():
            assert part.get("description"), f"{tool.name}.{name} is described"


def test_plain_schemas_leave_optional_arguments_out() -> None:
    for tool in tools(strict=False):
        function = tool.schema["function"]
        assert "strict" not in function
        parameters = function["parameters"]
        assert set(parameters.get("required", [])) == REQUIRED[tool.name]
        assert (
            set(parameters["properties"]) == REQUIRED[tool.name] | OPTIONAL[tool.name]
        )
        for name in OPTIONAL[tool.name]:
            assert not accepts_null(parameters["properties"][name]), name


def test_strict_schemas_require_everything_and_allow_nothing_else() -> None:
    for tool in tools(strict=True):
        function = tool.schema["function"]
        assert function["strict"] is True
        parameters = function["parameters"]
        for schema in objects(parameters):
            assert schema["required"] == list(schema["properties"])
            assert schema["additionalProperties"] is False
        for name in OPTIONAL[tool.name]:
            assert accepts_null(parameters["properties"][name]), name
        for name in REQUIRED[tool.name]:
            assert not accepts_null(parameters["properties"][name]), name


def test_ids_take_a_number_or_a_string() -> None:
    by_name = {tool.name: tool for tool in tools(strict=True)}
    properties = by_name["listModuleItems"].schema["function"]["parameters"][
        "properties"
    ]
    for name in ("course_id", "module_id"):
        kinds = {part["type"] for part in properties[name]["anyOf"]}
        assert kinds == {"integer", "string"}


def test_enums_are_offered() -> None:
    by_name = {tool.name: tool for tool in tools(strict=False)}
    properties = by_name["listYourCourses"].schema["function"]["parameters"][
        "properties"
    ]
    assert properties["enrollment_state"]["enum"] == [
        "active",
        "completed",
        "invited_or_pending",
    ]
    assert "teachers" in properties["include"]["items"]["enum"]


class _Window(BaseModel):
    start: str
    end: str | None = None


class _Nested(BaseModel):
    name: str = Field(description="A name.")
    window: _Window | None = Field(None, description="When.")
    windows: list[_Window] = Field(default_factory=list)


@pytest.mark.parametrize("strict", [False, True])
def test_nested_models_are_inlined_and_settled(strict: bool) -> None:
    schema = parameters_schema(_Nested, strict=strict)

    assert "$defs" not in schema
    assert "$ref" not in json.dumps(schema)
    assert len(list(objects(schema))) == 3
    for part in objects(schema):
        assert part["additionalProperties"] is False
        if strict:
            assert part["required"] == list(part["properties"])
    window = schema["properties"]["window"]
    assert window["description"] == "When."
    assert accepts_null(window) is strict
