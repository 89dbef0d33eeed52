"""course-tutor: a study tutor for the terminal that knows your Canvas courses."""

__version__ = "0.1.0"
