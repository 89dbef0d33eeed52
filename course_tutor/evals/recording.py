"""Cassettes: a model's replies in a scenario, recorded once, replayed offline.

Only the model's traffic is kept. Canvas is the demo Canvas, in-process and
deterministic, and the tools run for real on replay too, so a replay checks
today's tools and data against yesterday's model. A cassette is keyed by the
scenario, the model and the prompt's digest:

    cassettes/evals/<scenario>/<model>--<prompt digest>.yaml

Each interaction holds one model request, reduced to what decides the reply
(the model, the digests of the instructions and of each tool's schema, the
options, and every message after the instructions) and the reply, assembled
from its stream (text, tool calls, finish reason, usage). On replay each
request must equal the next recorded one; the first that does not is
described (the instructions, a tool, the student's words, a tool result...)
and the scenario is reported stale rather than failed.

Two things are made neutral before anything is kept or compared: the export
folder (a new temporary one per run) and the file names
`exportPracticeExam` returns (they carry the time of the run); and, through
`scrub.scrub_text`, anything shaped like a token or key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import yaml

from course_tutor.evals.scrub import scrub_text

FORMAT = 1
REPLAY_URL = "http://replay.invalid/v1"
EXPORT_PLACEHOLDER = "$EXPORT_DIR"
# Tool results that differ on every run, and the fields that make them differ.
VOLATILE_RESULTS = {"exportPracticeExam": ("pdf", "markdown")}
_VOLATILE = "(differs on every run)"

Json = dict[str, Any]


class CassetteError(Exception):
    """A cassette file cannot be read."""


@dataclass
class Interaction:
    turn: int
    request: Json
    reply: Json


@dataclass
class Cassette:
    scenario: str
    model: str
    model_label: str
    scripted: bool
    prompt: str
    prompt_digest: str
    interactions: list[Interaction] = field(default_factory=list)

    def save(self, path: Path) -> None:
        document = {
            "format": FORMAT,
            "scenario": self.scenario,
            "model": self.model,
            "model_label": self.model_label,
            "scripted": self.scripted,
            "prompt": self.prompt,
            "prompt_digest": self.prompt_digest,
            "interactions": [
                {"turn": i.turn, "request": i.request, "reply": i.reply}
                for i in self.interactions
            ],
        }
        text = yaml.dump(
            document,
            Dumper=_BlockDumper,
            allow_unicode=True,
            sort_keys=False,
            width=88,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self._header() + text, encoding="utf-8")

    def _header(self) -> str:
        lines = [
            f"# `course-tutor eval` recording of scenario {self.scenario!r}.",
            f"# Model: {self.model} ({self.model_label}); prompt "
            f"{self.prompt} ({self.prompt_digest}).",
        ]
        if self.scripted:
            lines.append(
                "# Made with the SCRIPTED offline model, not a real one: replaying"
                " it checks the"
            )
            lines.append(
                "# scenario and the program, not how a real model follows the "
                "instructions."
            )
        lines.append("# Written by `course-tutor eval --record`; do not edit by hand.")
        return "\n".join(lines) + "\n"

    @classmethod
    def load(cls, path: Path) -> Cassette:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError(f"not a format {FORMAT} eval recording")
            return cls(
                scenario=str(data["scenario"]),
                model=str(data["model"]),
                model_label=str(data.get("model_label") or data["model"]),
                scripted=bool(data.get("scripted")),
                prompt=str(data.get("prompt") or ""),
                prompt_digest=str(data["prompt_digest"]),
                interactions=[
                    Interaction(int(i["turn"]), i["request"], i["reply"])
                    for i in data.get("interactions") or []
                ],
            )
        except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as error:
            raise CassetteError(f"Cannot read the recording {path}: {error}") from None


class _BlockDumper(yaml.SafeDumper):
    """Multi-line text (answers, streamed bodies) as readable `|` blocks."""


def _represent_text(dumper: Any, text: str) -> Any:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_BlockDumper.add_representer(str, _represent_text)


# -- where cassettes are ---------------------------------------------------------


def model_slug(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("_") or "model"


def cassette_path(root: Path, scenario: str, model: str, prompt_digest: str) -> Path:
    return root / scenario / f"{model_slug(model)}--{prompt_digest}.yaml"


def recordings_of(root: Path, scenario: str) -> list[tuple[Path, Cassette]]:
    """Every readable recording of `scenario`, whatever its model and prompt."""
    found = []
    for path in sorted((root / scenario).glob("*.yaml")):
        try:
            found.append((path, Cassette.load(path)))
        except CassetteError:
            continue
    return found


# -- what a request is, for recording and comparing -----------------------------


def request_key(body: Json, export_dir: Path | None) -> Json:
    """A Chat Completions request body reduced to what decides the reply."""
    messages = list(body.get("messages") or [])
    system = messages[0] if messages and messages[0].get("role") == "system" else None
    rest = messages[1:] if system is not None else messages
    tools = {
        str((tool.get("function") or {}).get("name")): _digest(tool)
        for tool in body.get("tools") or []
    }
    options = {
        key: value
        for key, value in body.items()
        if key not in ("model", "messages", "tools")
    }
    return {
        "model": body.get("model"),
        "instructions": _digest(system.get("content")) if system else None,
        "tools": tools,
        "options": options,
        "messages": neutral(_without_volatile(rest), export_dir),
    }


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _without_volatile(messages: list[Json]) -> list[Json]:
    names = {
        call.get("id"): (call.get("function") or {}).get("name")
        for message in messages
        for call in message.get("tool_calls") or []
    }
    kept = []
    for message in messages:
        fields = VOLATILE_RESULTS.get(names.get(message.get("tool_call_id")) or "")
        if message.get("role") == "tool" and fields:
            message = {**message, "content": _mask(message.get("content"), fields)}
        kept.append(message)
    return kept


def _mask(content: Any, fields: tuple[str, ...]) -> Any:
    try:
        data = json.loads(content)
    except (TypeError, ValueError):
        return content
    if not isinstance(data, dict):
        return content
    for name in fields:
        if name in data:
            data[name] = _VOLATILE
    return json.dumps(data, ensure_ascii=False)


def neutral(value: Any, export_dir: Path | None) -> Any:
    """`value` with the export folder named by a placeholder and secrets
    filtered, in every string however deep."""
    if isinstance(value, str):
        if export_dir is not None:
            value = value.replace(str(export_dir), EXPORT_PLACEHOLDER)
        return scrub_text(value)
    if isinstance(value, list):
        return [neutral(item, export_dir) for item in value]
    if isinstance(value, dict):
        return {key: neutral(item, export_dir) for key, item in value.items()}
    return value


def difference(recorded: Json, live: Json) -> str | None:
    """How a live request differs from the recorded one, in words; None if not."""
    if recorded == live:
        return None
    if recorded.get("model") != live.get("model"):
        return (
            f"the model differs (recorded {recorded.get('model')}, "
            f"now {live.get('model')})"
        )
    if recorded.get("instructions") != live.get("instructions"):
        return "the instructions differ from the recorded ones"
    if recorded.get("tools") != live.get("tools"):
        return _tools_difference(recorded.get("tools") or {}, live.get("tools") or {})
    if recorded.get("options") != live.get("options"):
        return "the request options differ (the program changed how it asks)"
    return _messages_difference(recorded.get("messages") or [], live["messages"])


def _tools_difference(recorded: Json, live: Json) -> str:
    parts = []
    added = sorted(set(live) - set(recorded))
    removed = sorted(set(recorded) - set(live))
    changed = sorted(n for n in set(live) & set(recorded) if live[n] != recorded[n])
    if added:
        parts.append(f"new: {', '.join(added)}")
    if removed:
        parts.append(f"gone: {', '.join(removed)}")
    if changed:
        parts.append(f"changed: {', '.join(changed)}")
    return "the tool definitions differ (" + "; ".join(parts or ["order"]) + ")"


def _messages_difference(recorded: list[Json], live: list[Json]) -> str:
    names = _call_names([*recorded, *live])
    for number, (then, now) in enumerate(zip(recorded, live, strict=False), 1):
        if then == now:
            continue
        role = now.get("role")
        if role == "user" and then.get("role") == "user":
            return (
                f"the student's message differs (recorded {_quote(then)}, now "
                f"{_quote(now)}): the scenario changed"
            )
        if role == "tool" and then.get("role") == "tool":
            tool = names.get(now.get("tool_call_id"), "a tool")
            return (
                f"the result of {tool} differs from the recorded one (the tool or "
                "the demo data changed)"
            )
        return f"message {number} of the conversation ({role}) differs"
    if len(live) > len(recorded):
        return "the conversation goes on past the recorded one"
    return "the conversation is shorter than the recorded one"


def _call_names(messages: list[Json]) -> dict[Any, str]:
    return {
        call.get("id"): str((call.get("function") or {}).get("name"))
        for message in messages
        for call in message.get("tool_calls") or []
    }


def _quote(message: Json) -> str:
    text = " ".join(str(message.get("content") or "").split())
    return f"“{text[:60]}{'…' if len(text) > 60 else ''}”"


# -- replies: from a stream, and back to one -------------------------------------


def read_reply(body: bytes, content_type: str) -> Json:
    """A streamed reply assembled: text, tool calls, finish reason, usage."""
    from course_tutor.agent.calls import CallCollector

    if "text/event-stream" not in content_type:
        return {"raw": body.decode("utf-8", "replace"), "content_type": content_type}
    text, finish, usage = "", None, None
    collector = CallCollector()
    for chunk in _events(body):
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in (chunk.get("choices") or [])[:1]:
            delta = choice.get("delta") or {}
            text += delta.get("content") or ""
            for part in delta.get("tool_calls") or []:
                function = part.get("function") or {}
                collector.add(
                    part.get("index") or 0,
                    part.get("id"),
                    function.get("name"),
                    function.get("arguments"),
                )
            finish = choice.get("finish_reason") or finish
    reply: Json = {"content": text}
    if collector.calls:
        reply["tool_calls"] = [
            {"id": c.id, "name": c.name, "arguments": c.arguments}
            for c in collector.calls
        ]
    reply["finish_reason"] = finish
    if usage is not None:
        reply["usage"] = usage
    return reply


def _events(body: bytes) -> Iterator[Json]:
    for line in body.decode("utf-8", "replace").splitlines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            chunk = json.loads(data)
        except ValueError:
            continue
        if isinstance(chunk, dict):
            yield chunk


def stream_reply(reply: Json, model: str) -> httpx2.Response:
    """The recorded reply as the stream a server would send."""
    if "raw" in reply:
        return httpx2.Response(
            200,
            headers={"content-type": str(reply.get("content_type"))},
            content=str(reply["raw"]).encode("utf-8"),
        )
    chunks: list[Json] = []
    if reply.get("content"):
        chunks.append({"role": "assistant", "content": reply["content"]})
    for index, call in enumerate(reply.get("tool_calls") or []):
        chunks.append(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call["id"],
                        "type": "function",
                        "function": {
                            "name": call["name"],
                            "arguments": call["arguments"],
                        },
                    }
                ]
            }
        )
    events = [_chunk(model, delta) for delta in chunks]
    if reply.get("finish_reason"):
        events.append(_chunk(model, {}, reply["finish_reason"]))
    if reply.get("usage"):
        events.append({**_chunk(model, {}), "choices": [], "usage": reply["usage"]})
    body = "".join(f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events)
    return httpx2.Response(
        200,
        headers={"content-type": "text/event-stream"},
        content=(body + "data: [DONE]\n\n").encode("utf-8"),
    )


def _chunk(model: str, delta: Json, finish: str | None = None) -> Json:
    return {
        "id": "chatcmpl-replay",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


# -- the transports ---------------------------------------------------------------


def _is_chat(request: httpx2.Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/chat/completions")


def _body(request: httpx2.Request) -> Json:
    try:
        data = json.loads(request.content or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class Recorder(httpx2.AsyncBaseTransport):
    """Passes the model's requests on and keeps each successful reply.
    Set `turn` before each turn of the scenario."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, export_dir: Path) -> None:
        self.inner = inner
        self.export_dir = export_dir
        self.turn = 0
        self.interactions: list[Interaction] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        if not _is_chat(request):
            return response
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        content_type = response.headers.get("content-type", "")
        if response.status_code < 300:
            reply = read_reply(content, content_type)
            self.interactions.append(
                Interaction(
                    self.turn,
                    request_key(_body(request), self.export_dir),
                    neutral(reply, self.export_dir),
                )
            )
        kept = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower()
            not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx2.Response(
            response.status_code, headers=kept, content=content, request=request
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


class Player(httpx2.AsyncBaseTransport):
    """Answers the model's requests from a cassette, strictly in order. A
    request that is not the next recorded one gets an error reply, and
    `mismatch` says how it differed. Set `turn` before each turn."""

    def __init__(self, cassette: Cassette, export_dir: Path) -> None:
        self.cassette = cassette
        self.export_dir = export_dir
        self.turn = 0
        self.played = 0
        self.mismatch: str | None = None

    @property
    def unplayed(self) -> int:
        return len(self.cassette.interactions) - self.played

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if not _is_chat(request):
            return _refusal(404, "Only chat completions are replayed.")
        if self.mismatch is not None:
            return _refusal(400, "The replay has already stopped.")
        if self.played >= len(self.cassette.interactions):
            self.mismatch = f"turn {self.turn}: the recording ends before this request"
            return _refusal(400, "This request is not in the recording.")

        recorded = self.cassette.interactions[self.played]
        live = request_key(_body(request), self.export_dir)
        differs = difference(recorded.request, live)
        if differs is not None:
            self.mismatch = f"turn {self.turn}: {differs}"
            return _refusal(400, "This request is not in the recording.")
        self.played += 1
        return stream_reply(recorded.reply, str(live.get("model")))


def _refusal(status: int, message: str) -> httpx2.Response:
    error = {"error": {"message": message, "type": "replay", "code": "not_recorded"}}
    return httpx2.Response(status, json=error)
