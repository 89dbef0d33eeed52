"""The side panel: the course being discussed as a tree of modules and items,
or the student's courses before one is in focus. It only shows what tool
results brought back; it never asks Canvas itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from course_tutor.tui.outline import Course, CourseOutline, Module

ITEM_MARKS = {
    "Assignment": "✎",
    "Quiz": "?",
    "Discussion": "»",
    "Page": "¶",
    "File": "▪",
    "ExternalUrl": "↗",
    "ExternalTool": "↗",
}


class CoursePanel(Vertical):
    """A tree of the course in focus; select an item to open its page."""

    class ItemChosen(Message):
        """The student chose a module item that has a page."""

        def __init__(self, href: str) -> None:
            super().__init__()
            self.href = href

    class CourseChosen(Message):
        """The student chose one of their courses in the list."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def compose(self) -> ComposeResult:
        yield Static("Course", id="course-panel-title")
        tree: Tree[dict[str, Any]] = Tree("Nothing yet", id="course-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree
        yield Static(
            "Ask about a course and its modules appear here.", id="course-panel-empty"
        )

    def show(self, outline: CourseOutline) -> None:
        tree = self.query_one("#course-tree", Tree)
        title = self.query_one("#course-panel-title", Static)
        tree.clear()
        empty = outline.course is None and not outline.courses
        self.query_one("#course-panel-empty").display = empty
        tree.display = not empty
        if outline.course is not None:
            title.update(Text(outline.course.title, style="bold"))
            self._fill_course(tree.root, outline.course, outline.truncated)
        elif outline.courses:
            title.update(Text("Your courses", style="bold"))
            for course in outline.courses:
                tree.root.add_leaf(_course_label(course), data={"course": course})
        else:
            title.update(Text("Course", style="bold"))

    def _fill_course(self, root: TreeNode, course: Course, truncated: bool) -> None:
        facts = " · ".join(p for p in (course.code, course.term) if p)
        if facts:
            root.add_leaf(Text(facts, style="dim"))
        if course.teachers:
            root.add_leaf(Text("Taught by " + ", ".join(course.teachers), style="dim"))
        if course.modules is None:
            root.add_leaf(Text("Modules not fetched yet", style="dim italic"))
            return
        for module in course.modules.values():
            node = root.add(_module_label(module), expand=module.items is not None)
            if module.items is None:
                node.allow_expand = False
                continue
            for item in module.items:
                node.add_leaf(_item_label(item), data={"item": item})
        if truncated:
            root.add_leaf(Text("(list cut short by Canvas)", style="dim italic"))

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        data = event.node.data or {}
        item = data.get("item")
        if item and item.get("html_url"):
            self.post_message(self.ItemChosen(str(item["html_url"])))
        course = data.get("course")
        if course:
            name = course.get("course_code") or course.get("name") or ""
            self.post_message(self.CourseChosen(str(name)))


def _course_label(course: dict[str, Any]) -> Text:
    if course.get("access_restricted_by_date"):
        return Text(f"Course {course.get('id')} (no longer open)", style="dim")
    code = str(course.get("course_code") or "")
    name = str(course.get("name") or "")
    label = Text.assemble((code, "bold"))
    if name and code:
        # Canvas names often repeat the code: "BIO 110: Introduction to…"
        name = name.removeprefix(code).lstrip(" :–-") or name
    if name:
        label.append(f" {name}" if code else name)
    if course.get("term"):
        label.append(f" · {course['term']}", style="dim")
    return label


def _module_label(module: Module) -> Text:
    label = Text(module.name)
    if module.state == "locked":
        label.append(" (locked)", style="italic dim")
    elif module.items is None and module.items_count:
        label.append(f" ({module.items_count})", style="dim")
    return label


def _item_label(item: dict[str, Any]) -> Text:
    kind = str(item.get("type") or "")
    title = str(item.get("title") or "Untitled")
    if kind == "SubHeader":
        return Text(title, style="bold dim")
    label = Text.assemble((f"{ITEM_MARKS.get(kind, '·')} ", "bold"), title)
    extras = []
    if item.get("due_at"):
        extras.append(f"due {_date(str(item['due_at']))}")
    if item.get("points_possible"):
        points = item["points_possible"]
        extras.append(
            f"{points:g} pts" if isinstance(points, float) else f"{points} pts"
        )
    if item.get("locked"):
        extras.append("locked")
    if extras:
        label.append("  " + " · ".join(extras), style="dim")
    return label


def _date(value: str) -> str:
    try:
        return datetime.fromisoformat(value).strftime("%b %-d")
    except ValueError:
        return value[:10]
