"""The tools the tutor's model can call.

``Tool`` is the shape the turn loop runs (name, schema, ``run`` that never
raises, ``summarize``); ``canvas_tools`` gives the five read-only Canvas tools
under the Custom GPT's operation ids.
"""

from course_tutor.tools.base import Tool, ToolFailed, error_result
from course_tutor.tools.canvas import canvas_tools

__all__ = ["Tool", "ToolFailed", "canvas_tools", "error_result"]
