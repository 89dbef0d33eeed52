"""What a turn reports while it runs. The loop yields these; the TUI, the
headless `ask` command and `eval` each consume them with `match`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TextStreamed:
    """A fragment of the answer, as the model sent it."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ToolCallFinished:
    call_id: str
    name: str
    arguments: str
    ok: bool
    summary: str
    duration: float
    result: str


@dataclass(frozen=True, slots=True)
class UsageReported:
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class TurnFinished:
    """The model answered without asking for more tools."""

    text: str
    steps: int


@dataclass(frozen=True, slots=True)
class TurnFailed:
    """The turn ended early. `kind` names the cause (`bad_key`, `offline`,
    `step_limit`, `stream_cut`, ...); `message` tells the student what to do;
    `partial` is whatever answer text arrived before the failure."""

    kind: str
    message: str
    partial: str = ""


Event = (
    TextStreamed
    | ToolCallStarted
    | ToolCallFinished
    | UsageReported
    | TurnFinished
    | TurnFailed
)
