"""Conversations for the scripted-model tests: tool results in the compact
shapes the tools send, built from the demo dataset, and a `History` that
grows the way the client loop grows it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from markdownify import markdownify

from course_tutor.demo.dataset import load_question_banks, load_school

Record = dict[str, Any]

TOOL_NAMES = (
    "listYourCourses",
    "getSingleCourse",
    "listModules",
    "listModuleItems",
    "searchCourses",
    "exportPracticeExam",
)
HOST = "https://" + load_school()["school"]["host"]
LINKS = f"An item's `path` is on Canvas: link to it as {HOST} followed by the path."


def tool_schemas(names: tuple[str, ...] = TOOL_NAMES) -> list[Record]:
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": f"The {name} tool. {LINKS}"
                if name in ("listModules", "listModuleItems")
                else f"The {name} tool.",
                "parameters": {"type": "object", "properties": {}},
            },
        }
        for name in names
    ]


def _drop_none(record: Record) -> Record:
    return {k: v for k, v in record.items() if v is not None}


def enrolled() -> list[Record]:
    return [c for c in load_school()["courses"] if c.get("enrollment")]


def course(code: str) -> Record:
    return next(c for c in load_school()["courses"] if c.get("course_code") == code)


def banks() -> dict[str, list[Record]]:
    return load_question_banks()["modules"]


def _term(course: Record) -> str | None:
    terms = {t["id"]: t["name"] for t in load_school()["terms"]}
    return terms.get(course.get("enrollment_term_id"))


# -- compact tool results ----------------------------------------------------


def courses_result() -> list[Record]:
    shown = []
    for c in enrolled():
        if c.get("access_restricted_by_date"):
            shown.append({"id": c["id"], "access_restricted_by_date": True})
            continue
        shown.append(
            _drop_none(
                {
                    "id": c["id"],
                    "name": c["name"],
                    "original_name": c.get("original_name"),
                    "course_code": c["course_code"],
                    "term": _term(c),
                    "start_at": c.get("start_at"),
                    "end_at": c.get("end_at"),
                    "workflow_state": c.get("workflow_state"),
                }
            )
        )
    return shown


def course_result(c: Record) -> Record:
    progress = c.get("course_progress") or {}
    return _drop_none(
        {
            "id": c["id"],
            "name": c["name"],
            "course_code": c["course_code"],
            "term": _term(c),
            "dates": {"start_at": c.get("start_at"), "end_at": c.get("end_at")},
            "teachers": [t["display_name"] for t in c.get("teachers") or []],
            "public_description": c.get("public_description"),
            "syllabus": markdownify(c.get("syllabus_body") or "", heading_style="ATX")[
                :4000
            ],
            "course_progress": {
                "requirement_count": progress.get("requirement_count"),
                "requirement_completed_count": progress.get(
                    "requirement_completed_count"
                ),
            },
        }
    )


def item_result(c: Record, item: Record) -> Record:
    details = item.get("content_details") or {}
    requirement = item.get("completion_requirement") or {}
    header = item["type"] == "SubHeader"
    return _drop_none(
        {
            "id": item["id"] if header else None,
            "title": item["title"],
            "type": item["type"],
            "path": None
            if header
            else f"/courses/{c['id']}/modules/items/{item['id']}",
            "due_at": details.get("due_at"),
            "points": details.get("points_possible"),
            "requirement": str(requirement.get("type") or "").removeprefix("must_")
            or None,
            "done": True if requirement.get("completed") else None,
            "external_url": item.get("external_url"),
            "locked": details.get("locked_for_user"),
        }
    )


def modules_result(c: Record, include_items: bool = False) -> list[Record]:
    shown = []
    for m in c.get("modules") or []:
        record = _drop_none(
            {
                "id": m["id"],
                "name": m["name"],
                "position": m["position"],
                "items_count": len(m["items"]),
                "state": m.get("state"),
                "unlock_at": m.get("unlock_at"),
                "prerequisite_module_ids": m.get("prerequisite_module_ids") or None,
            }
        )
        if include_items and len(m["items"]) <= 100:
            record["items"] = [item_result(c, i) for i in m["items"]]
        shown.append(record)
    return shown


def items_result(c: Record, module: Record) -> list[Record]:
    return [item_result(c, i) for i in module["items"]]


def search_result(term: str) -> list[Record]:
    return [
        _drop_none(
            {
                "id": c["id"],
                "name": c["name"],
                "course_code": c["course_code"],
                "is_public": c.get("is_public"),
                "public_description": c.get("public_description"),
            }
        )
        for c in load_school()["courses"]
        if c.get("is_public") and term.casefold() in c["name"].casefold()
    ]


def result_for(name: str, arguments: Record) -> Any:
    """What the tools would answer for a call, from the dataset."""
    match name:
        case "listYourCourses":
            return courses_result()
        case "getSingleCourse":
            return course_result(_by_id(arguments["course_id"]))
        case "listModules":
            c = _by_id(arguments["course_id"])
            return modules_result(c, bool(arguments.get("include_items")))
        case "listModuleItems":
            c = _by_id(arguments["course_id"])
            module = next(
                m for m in c["modules"] if str(m["id"]) == str(arguments["module_id"])
            )
            return items_result(c, module)
        case "searchCourses":
            return search_result(arguments["search"])
        case "exportPracticeExam":
            questions = arguments["questions"]
            right = sum(q["correct"] == q["chosen"] for q in questions)
            return {
                "pdf": "/tmp/exams/practice-exam.pdf",
                "markdown": "/tmp/exams/practice-exam.md",
                "score": {
                    "correct": right,
                    "total": len(questions),
                    "percent": round(100 * right / len(questions), 1),
                },
            }
    return {"error": {"type": "unknown_tool", "message": f"No tool named {name}."}}


def _by_id(course_id: Any) -> Record:
    return next(c for c in load_school()["courses"] if str(c["id"]) == str(course_id))


# -- a conversation ----------------------------------------------------------


@dataclass
class History:
    """The messages a client would send, grown one exchange at a time."""

    messages: list[Record] = field(
        default_factory=lambda: [
            {"role": "system", "content": "You are a study tutor for Canvas."}
        ]
    )

    def user(self, text: str) -> History:
        self.messages.append({"role": "user", "content": text})
        return self

    def assistant(self, message: Record) -> History:
        kept = {"role": "assistant", "content": message.get("content")}
        if message.get("tool_calls"):
            kept["tool_calls"] = message["tool_calls"]
        self.messages.append(kept)
        return self

    def results(self, message: Record, override: dict[str, Any] | None = None) -> None:
        """Answer every tool call of `message` from the dataset."""
        for call in message.get("tool_calls") or []:
            name = call["function"]["name"]
            try:
                arguments = json.loads(call["function"]["arguments"])
                result = (override or {}).get(name) or result_for(name, arguments)
            except (json.JSONDecodeError, KeyError, StopIteration, TypeError):
                result = {
                    "error": {"type": "bad_arguments", "message": "Bad arguments."}
                }
            self.tool(call["id"], result)

    def tool(self, call_id: str, result: Any) -> History:
        self.messages.append(
            {
                "role": "tool",
                "tool_call_id": call_id,
                "content": json.dumps(result, separators=(",", ":")),
            }
        )
        return self


# -- talking to the app ------------------------------------------------------


def client_for(app: Any) -> Any:
    import httpx2

    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app),
        base_url="http://127.0.0.1",
        headers={"Authorization": "Bearer test"},
    )


def request_body(history: History, tools: tuple[str, ...] = TOOL_NAMES, **extra: Any):
    body: Record = {"model": "course-tutor-scripted", "messages": history.messages}
    if tools:
        body["tools"] = tool_schemas(tools)
    return {**body, **extra}


@dataclass
class Turn:
    """One student turn: every tool-calling step, then the answer."""

    steps: list[Record]
    answer: Record

    @property
    def text(self) -> str:
        return self.answer.get("content") or ""

    @property
    def calls(self) -> list[tuple[str, Record]]:
        """(name, arguments) of every tool call, in order."""
        return [
            (c["function"]["name"], json.loads(c["function"]["arguments"]))
            for step in self.steps
            for c in step["tool_calls"]
        ]


async def step(client: Any, history: History, **options: Any) -> Record:
    """One request; the assistant message it answers with."""
    response = await client.post(
        "/v1/chat/completions", json=request_body(history, **options)
    )
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]["message"]


async def turn(
    client: Any,
    history: History,
    text: str,
    override: dict[str, Any] | None = None,
    **options: Any,
) -> Turn:
    """Say `text`, answer the tool calls from the dataset until the tutor answers."""
    history.user(text)
    steps = []
    for _ in range(8):
        message = await step(client, history, **options)
        history.assistant(message)
        if not message.get("tool_calls"):
            return Turn(steps, message)
        steps.append(message)
        history.results(message, override)
    raise AssertionError("the scripted model kept calling tools")
