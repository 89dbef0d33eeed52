"""Tool calls as they arrive in a stream, in pieces.

OpenAI sends each call's id and name once and its argument JSON in fragments,
all tagged with the call's `index`. Some compatible servers (Ollama among
them) send every parallel call at index 0, told apart only by a new id; a new
id at an index already in use therefore starts a new call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ToolCall:
    id: str
    name: str = ""
    arguments: str = ""

    def message_part(self) -> dict[str, Any]:
        """This call as it is stored in an assistant message.

        Arguments that are not a JSON object are stored as `{}`: several
        servers refuse a history holding invalid JSON, and the tool result
        already tells the model what was wrong with the original.
        """
        return {
            "id": self.id,
            "type": "function",
            "function": {
                "name": self.name,
                "arguments": _object_or_empty(self.arguments),
            },
        }


def _object_or_empty(arguments: str) -> str:
    try:
        parsed = json.loads(arguments or "{}")
    except ValueError:
        return "{}"
    return arguments if arguments and isinstance(parsed, dict) else "{}"


@dataclass
class CallCollector:
    """Collects streamed tool-call deltas into whole calls, in call order."""

    calls: list[ToolCall] = field(default_factory=list)
    _at_index: dict[int, ToolCall] = field(default_factory=dict)

    def add(
        self, index: int, call_id: str | None, name: str | None, arguments: str | None
    ) -> None:
        current = self._at_index.get(index)
        if current is None or (call_id and current.id and call_id != current.id):
            current = ToolCall(id=call_id or f"call_{len(self.calls)}")
            self.calls.append(current)
            self._at_index[index] = current
        elif call_id and not current.id:
            current.id = call_id
        if name and name != current.name:
            current.name += name  # a few servers repeat the whole name
        if arguments:
            current.arguments += arguments
