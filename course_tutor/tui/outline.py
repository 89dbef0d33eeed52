"""The course being discussed, pieced together from the latest tool results.

The side panel draws this as a tree. Each Canvas tool result teaches a part:
listYourCourses the student's courses, getSingleCourse the course in focus,
listModules its modules (with items when they were included),
listModuleItems the items of one module. A result for another course moves
the focus there. Errors and results that do not parse teach nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]


@dataclass
class Module:
    id: str
    name: str
    position: int = 0
    items_count: int | None = None
    state: str | None = None
    items: list[Record] | None = None


@dataclass
class Course:
    id: str
    name: str = ""
    code: str = ""
    term: str = ""
    teachers: list[str] = field(default_factory=list)
    modules: dict[str, Module] | None = None

    @property
    def title(self) -> str:
        return self.name or self.code or f"Course {self.id}"


@dataclass
class CourseOutline:
    """What the panel shows: the student's courses and the one in focus."""

    courses: list[Record] = field(default_factory=list)
    course: Course | None = None
    truncated: bool = False

    def learn(self, tool: str, arguments: str, result: str) -> bool:
        """Take in one tool result; True when something the panel shows changed."""
        data = _parsed(result)
        if data is None or (isinstance(data, dict) and "error" in data):
            return False
        args = _parsed(arguments)
        args = args if isinstance(args, dict) else {}
        truncated = isinstance(data, dict) and bool(data.get("truncated"))
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        match tool:
            case "listYourCourses" if isinstance(data, list):
                self.courses = [c for c in data if isinstance(c, dict) and "id" in c]
                return True
            case "getSingleCourse" if isinstance(data, dict) and "id" in data:
                self._course_info(data)
                return True
            case "listModules" if isinstance(data, list) and "course_id" in args:
                course = self._focus(args["course_id"])
                course.modules = _modules(data)
                self.truncated = truncated
                return True
            case "listModuleItems" if isinstance(data, list) and "course_id" in args:
                course = self._focus(args["course_id"])
                module_id = str(args.get("module_id", ""))
                modules = course.modules if course.modules is not None else {}
                course.modules = modules
                module = modules.setdefault(
                    module_id, Module(module_id, f"Module {module_id}")
                )
                module.items = [item for item in data if isinstance(item, dict)]
                return True
        return False

    def learn_history(self, messages: list[Record]) -> None:
        """Take in every tool result of saved history messages, in order."""
        results = {m.get("tool_call_id"): m.get("content") for m in messages}
        for message in messages:
            for call in message.get("tool_calls") or []:
                function = call.get("function") or {}
                result = results.get(call.get("id"))
                if result:
                    self.learn(
                        str(function.get("name")),
                        str(function.get("arguments") or "{}"),
                        str(result),
                    )

    def _focus(self, course_id: Any) -> Course:
        """The course with this id, in focus from now on."""
        course_id = str(course_id)
        if self.course is None or self.course.id != course_id:
            self.course = Course(course_id)
            known = next((c for c in self.courses if str(c["id"]) == course_id), None)
            if known is not None:
                self.course.name = str(known.get("name") or "")
                self.course.code = str(known.get("course_code") or "")
                self.course.term = _term(known.get("term"))
        return self.course

    def _course_info(self, data: Record) -> None:
        course = self._focus(data["id"])
        course.name = str(data.get("name") or course.name)
        course.code = str(data.get("course_code") or course.code)
        course.term = _term(data.get("term")) or course.term
        teachers = data.get("teachers") or []
        course.teachers = [
            str(t.get("display_name") or t.get("name") or t)
            if isinstance(t, dict)
            else str(t)
            for t in teachers
        ]


def _modules(data: list[Any]) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for record in data:
        if not isinstance(record, dict) or "id" not in record:
            continue
        items = record.get("items")
        module = Module(
            id=str(record["id"]),
            name=str(record.get("name") or f"Module {record['id']}"),
            position=int(record.get("position") or 0),
            items_count=record.get("items_count"),
            state=record.get("state"),
            items=[i for i in items if isinstance(i, dict)]
            if isinstance(items, list)
            else None,
        )
        modules[module.id] = module
    return dict(sorted(modules.items(), key=lambda pair: pair[1].position))


def _term(term: Any) -> str:
    if isinstance(term, dict):
        return str(term.get("name") or "")
    return str(term or "")


def _parsed(text: str) -> Any:
    try:
        return json.loads(text or "null")
    except ValueError:
        return None
