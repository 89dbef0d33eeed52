"""The scripted model as an OpenAI-compatible HTTP server (Starlette).

    GET  /v1/models                 the one model, `course-tutor-scripted`
    GET  /v1/models/{id}
    POST /v1/chat/completions       streaming (SSE) and not

Any bearer key is accepted, as servers for local models do; a request with no
`Authorization` header is refused like OpenAI refuses it. Errors use OpenAI's
shape, `{"error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from course_tutor.demo.scripted import misbehave, router, wire
from course_tutor.demo.scripted.conversation import read_events
from course_tutor.demo.scripted.misbehave import Misbehaviour, error_body

logger = logging.getLogger(__name__)

Record = dict[str, Any]

_MODEL = {
    "id": wire.MODEL_ID,
    "object": "model",
    "created": wire.CREATED,
    "owned_by": "course-tutor",
}


@dataclass
class ScriptedModel:
    """The server's settings; `app` is the ASGI app."""

    pace_ms: float = 0.0
    misbehaviour: Misbehaviour = field(default_factory=Misbehaviour)
    question_banks: Mapping[str, list[Record]] | None = None

    def __post_init__(self) -> None:
        self.app = Starlette(
            routes=[
                Route("/v1/models", self._models, methods=["GET"]),
                Route("/v1/models/{model_id:path}", self._model, methods=["GET"]),
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
            ]
        )
        self.app.state.scripted_model = self

    @property
    def banks(self) -> Mapping[str, list[Record]]:
        if self.question_banks is None:
            from course_tutor.demo.dataset import load_question_banks

            self.question_banks = load_question_banks()["modules"]
        return self.question_banks

    # -- routes ---------------------------------------------------------------

    async def _models(self, request: Request) -> Response:
        refused = _unauthenticated(request)
        if refused is not None:
            return refused
        return JSONResponse({"object": "list", "data": [_MODEL]})

    async def _model(self, request: Request) -> Response:
        refused = _unauthenticated(request)
        if refused is not None:
            return refused
        if request.path_params["model_id"] != wire.MODEL_ID:
            return _no_such_model(request.path_params["model_id"])
        return JSONResponse(_MODEL)

    async def _chat(self, request: Request) -> Response:
        refused = _unauthenticated(request)
        if refused is not None:
            return refused
        raw = await request.body()
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            return _bad_request("The request body is not valid JSON.", None)
        if not isinstance(body, dict):
            return _bad_request("The request body must be a JSON object.", None)
        if body.get("model") != wire.MODEL_ID:
            return _no_such_model(str(body.get("model")))
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _bad_request("`messages` must be a non-empty array.", "messages")

        active = self.misbehaviour.next_request()
        fault = misbehave.status_fault(active)
        if fault is not None:
            return fault

        # Decide, then dress the decision as Chat Completions JSON.
        events = read_events(messages)
        tools = offered_tools(body)
        reply = router.decide(events, tools, self.banks, canvas=canvas_address(body))
        reply = misbehave.rewrite(reply, active, events, tools)
        ids = wire.Ids.for_messages(messages)
        usage = wire.Usage.estimate(len(raw), reply)
        logger.info(
            "scripted step: %s",
            ", ".join(c.name for c in reply.tool_calls) or "answer",
        )

        if body.get("stream"):
            options = body.get("stream_options") or {}
            chunks = wire.chunks(
                reply,
                ids,
                usage if options.get("include_usage") else None,
                same_index="index0" in active,
            )
            lines = misbehave.stream_lines(chunks, active)
            return StreamingResponse(
                self._paced(lines),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache"},
            )
        encoded = json.dumps(wire.completion(reply, ids, usage)).encode()
        return Response(
            misbehave.damage_body(encoded, active), media_type="application/json"
        )

    async def _paced(self, lines: list[bytes]) -> AsyncIterator[bytes]:
        for number, line in enumerate(lines):
            if number and self.pace_ms > 0:
                await asyncio.sleep(self.pace_ms / 1000)
            yield line


def offered_tools(body: Record) -> frozenset[str]:
    """The names of the tools the request offers (none under `tool_choice: none`)."""
    if body.get("tool_choice") == "none":
        return frozenset()
    return frozenset(
        str((tool.get("function") or {}).get("name"))
        for tool in body.get("tools") or []
        if isinstance(tool, dict)
    )


def canvas_address(body: Record) -> str:
    """The student's Canvas, as the item tools' descriptions give it: item
    links are paths on it, and a model reads how to complete them there."""
    for tool in body.get("tools") or []:
        text = str((tool.get("function") or {}).get("description") or "")
        found = re.search(r"link to it as (https?://\S+?) followed by", text)
        if found:
            return found.group(1)
    return ""


def _unauthenticated(request: Request) -> Response | None:
    if request.headers.get("authorization", "").strip():
        return None
    return JSONResponse(
        error_body(
            "No API key was given. Send one in the Authorization header as "
            "`Bearer <key>`; the scripted model accepts any key.",
            "invalid_request_error",
            None,
        ),
        status_code=401,
    )


def _no_such_model(model: str) -> Response:
    return JSONResponse(
        error_body(
            f"The model `{model}` does not exist",
            "invalid_request_error",
            "model_not_found",
            "model",
        ),
        status_code=404,
    )


def _bad_request(message: str, param: str | None) -> Response:
    return JSONResponse(
        error_body(message, "invalid_request_error", None, param), status_code=400
    )


def scripted_model_app(
    *,
    pace_ms: float = 0,
    misbehave: Iterable[str] = (),
    question_banks: Mapping[str, list[Record]] | None = None,
) -> Starlette:
    """The scripted tutor as an ASGI app.

    `pace_ms` waits that long between streamed chunks, so a demo looks like
    a model typing; `misbehave` names deliberate faults (see
    `course_tutor.demo.scripted.misbehave`); `question_banks` replaces the
    bundled banks (module id -> questions).
    """
    model = ScriptedModel(
        pace_ms=pace_ms,
        misbehaviour=Misbehaviour.parse(misbehave),
        question_banks=question_banks,
    )
    return model.app
