"""Offline stand-ins for the real services: the demo Canvas and the scripted
model, both real ASGI apps reached in-process or over loopback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from course_tutor.demo.canvas import canvas_app
    from course_tutor.demo.scripted import scripted_model_app

__all__ = ["canvas_app", "scripted_model_app"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the CLI reaches this package for every demo
    # command, and most of them need only one of the two apps.
    if name == "canvas_app":
        from course_tutor.demo.canvas import canvas_app

        return canvas_app
    if name == "scripted_model_app":
        from course_tutor.demo.scripted import scripted_model_app

        return scripted_model_app
    raise AttributeError(name)
