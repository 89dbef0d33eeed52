"""Scenarios: the YAML files under `prompts/evals/`, read into pydantic models.

    name: focus-on-one-module
    description: The student picks one module of a course and gets its items.
    turns:
      - say: Give an overview of one of my courses.
        expect:
          tools: [listYourCourses]
          says: ["Which course"]
      - say: BIO 110
        expect:
          tools_any_order:
            - {name: getSingleCourse, args: {course_id: "48213"}}
            - {name: listModules, args: {course_id: "48213"}}
          table: true

Unknown keys are refused, so a misspelt expectation is an error rather than
a check that silently never runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SCENARIO_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ScenarioError(Exception):
    """A scenario file cannot be found or read; the message says which and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """Text that an answer must (or must not) contain: plain text, found
    ignoring case, or a Python regular expression (`regex`)."""

    text: str | None = None
    regex: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"text": value}
        if (
            isinstance(value, dict)
            and len(value) == 1
            and not {"text", "regex"} & set(value)
        ):
            # YAML reads `- Unit 1: Cells` as a mapping, not as text.
            ((key, rest),) = value.items()
            raise ValueError(
                f"“{key}: {rest}” reads as a mapping; put text containing "
                "': ' in quotes"
            )
        return value

    @model_validator(mode="after")
    def _one_of_them(self) -> Text:
        if (self.text is None) == (self.regex is None):
            raise ValueError("give either `text` or `regex`")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as error:
                raise ValueError(f"bad regex {self.regex!r}: {error}") from None
        return self

    def __str__(self) -> str:
        return f"/{self.regex}/" if self.regex is not None else repr(self.text)


class ToolCall(_Strict):
    """A call the tutor must make: the tool's name, and arguments it must
    include (others may come with them). A bare string is just the name."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    def __str__(self) -> str:
        if not self.args:
            return self.name
        shown = ", ".join(f"{key}={value!r}" for key, value in self.args.items())
        return f"{self.name}({shown})"


class Expect(_Strict):
    """What one answer must show. Every field is optional."""

    tools: list[ToolCall] = Field(default_factory=list)
    """Called in this order (other calls may come between)."""
    tools_any_order: list[ToolCall] = Field(default_factory=list)
    """Each called, in any order."""
    no_other_tools: bool = False
    """No call beyond those listed in `tools` and `tools_any_order`."""
    no_tools: bool = False
    """No tool call at all."""
    tools_not_called: list[str] = Field(default_factory=list)
    says: list[Text] = Field(default_factory=list)
    does_not_say: list[Text] = Field(default_factory=list)
    table: bool | None = None
    """True: the answer has a Markdown table; False: it has none."""
    multiple_choice: bool | None = None
    """True: exactly one multiple-choice question, choices A to D; False: none."""
    canvas_links: bool | int | None = None
    """At least this many links to Canvas items (True: one); False: none."""
    exports: list[str] = Field(default_factory=list)
    """File patterns (`*.pdf`) that must be in the export folder afterwards."""
    allow_tool_errors: bool = False
    """Unless set, a tool call that returns an error fails the turn."""

    @model_validator(mode="after")
    def _consistent(self) -> Expect:
        if self.no_tools and (self.tools or self.tools_any_order):
            raise ValueError("`no_tools` cannot go with `tools` or `tools_any_order`")
        named = {call.name for call in [*self.tools, *self.tools_any_order]}
        both = named & set(self.tools_not_called)
        if both:
            raise ValueError(f"expected both called and not called: {sorted(both)}")
        return self


class Turn(_Strict):
    say: str = Field(min_length=1)
    """What the student types."""
    expect: Expect = Field(default_factory=Expect)


class Scenario(_Strict):
    name: str
    description: str = ""
    prompt: Path | None = None
    """Instructions to use instead of the shipped ones (relative to the file);
    `--prompt` on the command line overrides it."""
    turns: list[Turn] = Field(min_length=1)
    source: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _usable_name(self) -> Scenario:
        if not SCENARIO_NAME.match(self.name):
            raise ValueError(
                f"name {self.name!r} must be lower case letters, digits, - and _ "
                "(it names the scenario's recordings)"
            )
        return self


def load_scenario(path: Path) -> Scenario:
    """Read one scenario file; its name defaults to the file's stem."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(f"Cannot read {path}: {error.strerror}.") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario is a mapping (name, turns, ...).")

    data.setdefault("name", path.stem)
    try:
        scenario = Scenario.model_validate({**data, "source": path})
    except ValidationError as error:
        raise ScenarioError(f"{path}: {_explain(error)}") from None
    if scenario.prompt is not None and not scenario.prompt.is_absolute():
        scenario = scenario.model_copy(update={"prompt": path.parent / scenario.prompt})
    return scenario


def find_scenarios(wanted: list[str], directory: Path) -> list[Scenario]:
    """The scenarios named (by name or file), or all in `directory`, by name."""
    if not wanted:
        files = sorted(directory.glob("*.yaml"))
        if not files:
            raise ScenarioError(f"There are no scenarios (*.yaml) in {directory}.")
        return _unique([load_scenario(path) for path in files])

    found = []
    for item in wanted:
        path = Path(item)
        if path.suffix not in (".yaml", ".yml"):
            path = directory / f"{item}.yaml"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in directory.glob("*.yaml")))
            raise ScenarioError(
                f"There is no scenario {item!r} (looked for {path}). "
                f"Known scenarios: {known or 'none'}."
            )
        found.append(load_scenario(path))
    return _unique(found)


def _unique(scenarios: list[Scenario]) -> list[Scenario]:
    seen: dict[str, Path | None] = {}
    for scenario in scenarios:
        if scenario.name in seen:
            raise ScenarioError(
                f"Two scenarios are named {scenario.name!r}: {seen[scenario.name]} "
                f"and {scenario.source}."
            )
        seen[scenario.name] = scenario.source
    return scenarios


def _explain(error: ValidationError) -> str:
    """Pydantic's errors as `turns.2.expect.tool: unknown key` lines."""
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(top)"
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown key (misspelt?)"
        lines.append(f"{where}: {message}")
    return "; ".join(lines)
