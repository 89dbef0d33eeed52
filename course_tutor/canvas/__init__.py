"""The Canvas LMS REST client the tutor's tools read through.

``CanvasClient`` is the entry point; ``errors`` draws the tree of exceptions
it raises, and ``models`` the objects it returns.
"""

from course_tutor.canvas.address import is_loopback_host, normalize_base_url
from course_tutor.canvas.client import CanvasClient
from course_tutor.canvas.errors import (
    BadRequestError,
    BadResponseError,
    CanvasConfigError,
    CanvasError,
    CanvasUnavailableError,
    InvalidIdError,
    InvalidTokenError,
    NotFoundError,
    NotPermittedError,
    RateLimitedError,
)
from course_tutor.canvas.listing import Listing
from course_tutor.canvas.models import (
    CompletionRequirement,
    ContentDetails,
    Course,
    CourseProgress,
    Enrollment,
    Module,
    ModuleItem,
    Teacher,
    Term,
    User,
)
from course_tutor.canvas.retry import RetryPolicy

__all__ = [
    "BadRequestError",
    "BadResponseError",
    "CanvasClient",
    "CanvasConfigError",
    "CanvasError",
    "CanvasUnavailableError",
    "CompletionRequirement",
    "ContentDetails",
    "Course",
    "CourseProgress",
    "Enrollment",
    "InvalidIdError",
    "InvalidTokenError",
    "Listing",
    "Module",
    "ModuleItem",
    "NotFoundError",
    "NotPermittedError",
    "RateLimitedError",
    "RetryPolicy",
    "Teacher",
    "Term",
    "User",
    "is_loopback_host",
    "normalize_base_url",
]
